import { Alert, Anchor, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useVerify } from '../../api/auth';

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
        if (next?.startsWith('/api/')) window.location.assign(next);
        else void navigate({ to: next && next.startsWith('/') ? next : '/' });
      },
    });
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" w={400} maw="100%">
        <Stack component="main">
          <Title order={1} size="h2">
            Sign in to VisAPI
          </Title>
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
        </Stack>
      </Paper>
    </Center>
  );
}
