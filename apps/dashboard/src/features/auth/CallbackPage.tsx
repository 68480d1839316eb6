import { Alert, Anchor, Button, Text } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useVerify } from '../../api/auth';
import { isServerPage, safeReturnPath, takeReturnTo } from '../../lib/return-to';
import { AuthCard } from './AuthCard';

/**
 * Where the mailed link lands. Opening it does nothing by itself (mail scanners prefetch
 * links); the button spends the token.
 */
export function CallbackPage() {
  const { token, next } = useSearch({ from: '/auth/callback' });
  const verify = useVerify();
  const navigate = useNavigate();
  const signIn = () =>
    verify.mutate(token ?? '', {
      onSuccess: () => {
        const target = safeReturnPath(next) ?? takeReturnTo() ?? '/';
        if (isServerPage(target)) window.location.assign(target);
        else void navigate({ to: target });
      },
    });
  return (
    <AuthCard>
          {!token ? (
            <Alert color="red" title="This link is incomplete">
              Open the link from the mail as it is, or ask for a new one.
            </Alert>
          ) : verify.isError ? (
            <Alert color="red" title="This sign-in link does not work">
              {verify.error.message}{' '}
              <Anchor component={Link} to="/sign-in">
                Ask for a new link
              </Anchor>
            </Alert>
          ) : (
            <>
              <Text>Continue to the dashboard.</Text>
              <Button onClick={signIn} loading={verify.isPending}>
                Sign in
              </Button>
            </>
          )}
    </AuthCard>
  );
}
