import { Center, Loader } from '@mantine/core';
import { Navigate, useRouterState } from '@tanstack/react-router';
import { type ReactNode, useRef } from 'react';
import { useMe } from '../../api/auth';
import { isUnauthorized } from '../../api/client';

/** Renders its children for a signed-in user, and sends anyone else to the sign-in page. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const me = useMe();
  // The page asked for, fixed at first render: while the redirect runs, the location is
  // already the sign-in page's, and must not become its own `next`.
  const href = useRef(useRouterState({ select: (s) => s.location.href })).current;
  if (me.isPending) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (me.isError && isUnauthorized(me.error)) return <Navigate to="/sign-in" search={{ next: href }} replace />;
  return <>{children}</>;
}
