import { Badge, Button, Group, Text } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useMe, useSignOut } from '../api/auth';

export function UserMenu() {
  const { data: user } = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  if (!user) return null;
  return (
    <Group gap="xs">
      <Text size="sm" visibleFrom="sm">
        {user.email}
      </Text>
      <Badge variant="light" aria-label={`Role: ${user.role}`}>
        {user.role}
      </Badge>
      <Button
        variant="subtle"
        size="compact-sm"
        loading={signOut.isPending}
        onClick={() => signOut.mutate(undefined, { onSettled: () => void navigate({ to: '/sign-in' }) })}
      >
        Sign out
      </Button>
    </Group>
  );
}
