import { Button, FocusTrap, getDefaultZIndex, Group, Overlay, Paper, Portal, Stack, Text, Title } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useId } from 'react';
import { useSignOut, useStaySignedIn } from '../../api/auth';
import { ErrorAlert } from '../../components/QueryState';

/** 0:59 */
function clock(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1_000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** "You will be signed out in 0:59": a modal alertdialog; Escape counts as "Stay signed in". */
export function IdleDialog({ left }: { left: number }) {
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
                <Button
                  variant="default"
                  loading={signOut.isPending}
                  onClick={() => signOut.mutate(undefined, { onSettled: () => void navigate({ to: '/sign-in' }) })}
                >
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
