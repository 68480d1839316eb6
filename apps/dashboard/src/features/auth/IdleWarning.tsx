import { Button, FocusTrap, getDefaultZIndex, Group, Overlay, Paper, Portal, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useId, useState } from 'react';
import { refreshMe, useMe, useSignOut, useStaySignedIn } from '../../api/auth';
import { ErrorAlert } from '../../components/QueryState';

/** The warning shows this long before the idle limit (SPEC §3.3: 30 minutes without a user's request). */
const WARN_BEFORE_MS = 60_000;
/** Once the limit has passed, how often to ask whether the server agrees (clocks differ a little). */
const RECHECK_MS = 5_000;

/** 0:59 */
function clock(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1_000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Mounted once in the shell: a minute before the session's idle limit (`idleExpiresAt` of
 * /auth/me) it asks whether the user is still there, counting down; when the limit passes,
 * /auth/me answers 401 and RequireSignIn sends the user to sign in. Only reads made in the
 * background check the limit, so checking never extends the session; "Stay signed in" does.
 */
export function IdleWarning() {
  const client = useQueryClient();
  const { data: me } = useMe();
  const deadline = me ? Date.parse(me.idleExpiresAt) : undefined;
  const now = useNow(deadline);
  const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now;
  const phase = left > WARN_BEFORE_MS ? 'quiet' : left > 0 ? 'warning' : 'over';
  // The deadline a background read confirmed: the user may have been active in another tab,
  // or on a page whose reads extended the session without this tab knowing.
  const [confirmed, setConfirmed] = useState<number>();

  useEffect(() => {
    if (phase === 'quiet' || deadline === undefined) return;
    const check = () =>
      refreshMe(client, { background: true }).then(
        (fresh) => Date.parse(fresh.idleExpiresAt) === deadline && setConfirmed(deadline),
        () => setConfirmed(deadline), // a 401 signs out (RequireSignIn); another failure warns anyway
      );
    void check();
    if (phase === 'warning') return;
    const timer = setInterval(() => void check(), RECHECK_MS);
    return () => clearInterval(timer);
  }, [phase, deadline, client]);

  if (phase !== 'warning' || confirmed !== deadline) return null;
  return <IdleDialog left={left} />;
}

/** Re-renders when the warning starts, every second of the countdown, and at the deadline. */
function useNow(deadline: number | undefined): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (deadline === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      const at = Date.now();
      setNow(at);
      const left = deadline - at;
      if (left > 0) timer = setTimeout(tick, left > WARN_BEFORE_MS ? left - WARN_BEFORE_MS : left % 1_000 || 1_000);
    };
    tick();
    return () => clearTimeout(timer);
  }, [deadline]);
  return now;
}

function IdleDialog({ left }: { left: number }) {
  const titleId = useId();
  const bodyId = useId();
  const stay = useStaySignedIn();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const zIndex = getDefaultZIndex('modal');
  return (
    <Portal>
      <Overlay fixed zIndex={zIndex} backgroundOpacity={0.55} />
      <div style={{ position: 'fixed', inset: 0, zIndex: zIndex + 1, display: 'flex', alignItems: 'center', justifyContent: 'center', padding: 16 }}>
        <FocusTrap active>
          <Paper
            role="alertdialog"
            aria-modal="true"
            aria-labelledby={titleId}
            aria-describedby={bodyId}
            withBorder
            shadow="xl"
            radius="md"
            p="lg"
            maw={440}
            onKeyDown={(event) => event.key === 'Escape' && stay.mutate()}
          >
            <Stack>
              <Title order={2} size="h4" id={titleId}>
                Are you still there?
              </Title>
              <Text id={bodyId}>You will be signed out in {clock(left)} for inactivity.</Text>
              {stay.error && <ErrorAlert title="Could not keep you signed in" error={stay.error} />}
              <Group justify="flex-end">
                <Button variant="default" loading={signOut.isPending} onClick={() => signOut.mutate(undefined, { onSettled: () => void navigate({ to: '/sign-in' }) })}>
                  Sign out
                </Button>
                <Button data-autofocus loading={stay.isPending} onClick={() => stay.mutate()}>
                  Stay signed in
                </Button>
              </Group>
            </Stack>
          </Paper>
        </FocusTrap>
      </div>
    </Portal>
  );
}
