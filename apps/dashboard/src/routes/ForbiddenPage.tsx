import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { UserRole } from '@visapi/contracts';

/** A page the signed-in user's role may not open. */
export function ForbiddenPage({ role }: { role: UserRole }) {
  return (
    <Stack>
      <Title order={2}>Not allowed</Title>
      <Text>
        This page needs the {role} role. An administrator can change your role on the Users &amp; roles page.
      </Text>
      <Anchor component={Link} to="/">
        Back to the overview
      </Anchor>
    </Stack>
  );
}
