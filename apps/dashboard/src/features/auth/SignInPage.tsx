import { Alert, Button, Stack, Text, TextInput } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { useRequestMagicLink } from '../../api/auth';
import { rememberReturnTo } from '../../lib/return-to';
import { AuthCard } from './AuthCard';

/** E-mail → "check your inbox". The answer never says whether the address may sign in. */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const { next } = useSearch({ from: '/sign-in' });
  const request = useRequestMagicLink();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rememberReturnTo(next);
    request.mutate(email.trim());
  };
  return (
    <AuthCard>
          {request.isSuccess ? (
            <Alert color="green" title="Check your inbox">
              If {email.trim()} may sign in, a sign-in link is on its way. It works once, for 15 minutes.
            </Alert>
          ) : (
            <form onSubmit={submit}>
              <Stack>
                <Text size="sm" c="dimmed">
                  We will e-mail you a sign-in link.
                </Text>
                <TextInput
                  label="Work e-mail"
                  type="email"
                  required
                  autoComplete="email"
                  value={email}
                  onChange={(e) => setEmail(e.currentTarget.value)}
                />
                {request.isError && (
                  <Alert color="red" title="Could not send the link">
                    {request.error.message}
                  </Alert>
                )}
                <Button type="submit" loading={request.isPending}>
                  Send me a sign-in link
                </Button>
              </Stack>
            </form>
          )}
    </AuthCard>
  );
}
