import { Center, Paper, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The centred card the signed-out pages share. */
export function AuthCard({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" w={400} maw="100%">
        <Stack component="main">
          <Title order={1} size="h2">
            Sign in to VisAPI
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
