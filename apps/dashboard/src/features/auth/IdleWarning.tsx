import { useQueryClient } from '@tanstack/react-query';
import { type ComponentType, lazy, Suspense, useEffect, useState } from 'react';
import { refreshMe, useMe } from '../../api/auth';

/** The warning shows this long before the idle limit (SPEC §3.3: 30 minutes without a user's request). */
const WARN_BEFORE_MS = 60_000;
/** Once the limit has passed, how often to ask whether the server agrees (clocks differ a little). */
const RECHECK_MS = 5_000;

/**
 * The dialog's code loads only when it is needed, keeping the shell's chunk lean. Should it
 * fail to load (a new version deployed meanwhile), the user is still signed out at the limit.
 */
const IdleDialog = lazy<ComponentType<{ left: number }>>(() =>
  import('./IdleDialog').then(
    (m) => ({ default: m.IdleDialog }),
    () => ({ default: () => null }),
  ),
);

/**
 * Mounted once in the shell: a minute before the session's idle limit (`idleExpiresAt` of
 * /auth/me) it asks whether the user is still there, counting down; when the limit passes,
 * /auth/me answers 401 and RequireSignIn sends the user to sign in. Only reads made in the
 * background check the limit, so checking never extends the session; "Stay signed in" does.
 * When the 12-hour limit comes first, nothing can extend it: no warning, only the sign-out.
 */
export function IdleWarning() {
  const client = useQueryClient();
  const { data: me } = useMe();
  const deadline = me ? Math.min(Date.parse(me.idleExpiresAt), Date.parse(me.absoluteExpiresAt)) : undefined;
  const extendable = me !== undefined && deadline === Date.parse(me.idleExpiresAt);
  const now = useNow(deadline);
  const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now;
  const phase = left > WARN_BEFORE_MS ? 'quiet' : left > 0 ? 'warning' : 'over';
  // The deadline a background read confirmed: the user may have been active in another tab,
  // or on a page whose reads extended the session without this tab knowing.
  const [confirmed, setConfirmed] = useState<number>();

  useEffect(() => {
    if (phase === 'quiet' || (phase === 'warning' && !extendable) || deadline === undefined) return;
    const check = () =>
      refreshMe(client, { background: true }).then(
        (fresh) => Math.min(Date.parse(fresh.idleExpiresAt), Date.parse(fresh.absoluteExpiresAt)) === deadline && setConfirmed(deadline),
        () => setConfirmed(deadline), // a 401 signs out (RequireSignIn); another failure warns anyway
      );
    void check();
    if (phase === 'warning') return;
    const timer = setInterval(() => void check(), RECHECK_MS);
    return () => clearInterval(timer);
  }, [phase, deadline, extendable, client]);

  if (phase !== 'warning' || confirmed !== deadline || !extendable) return null;
  return (
    <Suspense fallback={null}>
      <IdleDialog left={left} />
    </Suspense>
  );
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
