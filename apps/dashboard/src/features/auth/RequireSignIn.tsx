import { Navigate, useRouterState } from '@tanstack/react-router';
import { type ReactNode, useRef } from 'react';
import { useMe } from '../../api/auth';
import { isUnauthorized } from '../../api/client';

/**
 * Renders its children, and sends anyone not signed in to the sign-in page. While /auth/me is
 * on its way the children render too, so a page's own requests start at once instead of one
 * round trip later (the API refuses them without a session, and that sends the user to sign in
 * as well); what depends on the role waits for it (useCan is false until then).
 */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const me = useMe();
  // The page asked for, fixed at first render: while the redirect runs, the location is
  // already the sign-in page's, and must not become its own `next`.
  const href = useRef(useRouterState({ select: (s) => s.location.href })).current;
  if (me.isError && isUnauthorized(me.error)) return <Navigate to="/sign-in" search={{ next: href }} replace />;
  return <>{children}</>;
}
