import { Button, Group, Modal, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { USER_ROLES, type User, type UserRole } from '@visapi/contracts/auth';
import { useState } from 'react';
import { useMe } from '../../api/auth';
import { useSetUserRole, useUsers } from '../../api/users';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorAlert, QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDateTime } from '../../lib/format';

/** What each role may do (SPEC §3.3), completing "they …". */
const ROLE_POWERS: Record<UserRole, string> = {
  viewer: 'read everything but secrets',
  operator: 'also trigger, retry, cancel and replay runs',
  admin: 'also manage API keys, workflows, templates and users',
};

interface RoleChange {
  user: User;
  role: UserRole;
}

/** Dashboard users and their roles (admin). */
export function UsersPage() {
  const users = useUsers();
  const { data: me } = useMe();
  const setRole = useSetUserRole();
  const [change, setChange] = useState<RoleChange | null>(null);
  const close = () => {
    setChange(null);
    setRole.reset();
  };

  const columns: Column<User>[] = [
    { key: 'email', header: 'E-mail', render: (u) => u.email },
    {
      key: 'role',
      header: 'Role',
      render: (u) => {
        const self = u.id === me?.id;
        return (
          <NativeSelect
            aria-label={`Role of ${u.email}`}
            size="xs"
            w={130}
            data={[...USER_ROLES]}
            value={u.role}
            disabled={self}
            description={self ? 'You cannot change your own role' : undefined}
            onChange={(event) => setChange({ user: u, role: event.currentTarget.value as UserRole })}
          />
        );
      },
    },
    { key: 'created', header: 'Created', render: (u) => formatDateTime(u.createdAt) },
    { key: 'lastSignIn', header: 'Last sign-in', render: (u) => <RelativeTime iso={u.lastSignInAt} fallback="never" /> },
  ];

  return (
    <Stack>
      <Title order={2}>Users &amp; roles</Title>
      <Text c="dimmed" size="sm">
        People appear here after their first sign-in with a magic link, as viewers (addresses listed in ADMIN_EMAILS start as admins). Viewers{' '}
        {ROLE_POWERS.viewer}; operators {ROLE_POWERS.operator}; admins {ROLE_POWERS.admin}. A new role takes effect on the
        user&apos;s next request. You cannot change your own role here, so that you cannot lock yourself out.
      </Text>
      <QueryState query={users.query} what="users">
        {() => (
          <DataTable
            caption="Dashboard users and their roles"
            columns={columns}
            rows={users.items}
            rowKey={(u) => u.id}
            empty="Nobody has signed in yet."
            hasMore={users.hasMore}
            onLoadMore={users.loadMore}
            isLoadingMore={users.isLoadingMore}
          />
        )}
      </QueryState>
      <Modal opened={change !== null} onClose={close} title="Change role" closeButtonProps={{ 'aria-label': 'Close' }}>
        {change && (
          <Stack>
            <Text size="sm">
              Make {change.user.email} <strong>{withArticle(change.role)}</strong> instead of {withArticle(change.user.role)}? As{' '}
              {withArticle(change.role)}, they {ROLE_POWERS[change.role]}. This takes effect on their next request.
            </Text>
            {setRole.error && <ErrorAlert title="Role not changed" error={setRole.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button loading={setRole.isPending} onClick={() => setRole.mutate({ id: change.user.id, role: change.role }, { onSuccess: close })}>
                Change role
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

const withArticle = (role: UserRole) => `${role === 'viewer' ? 'a' : 'an'} ${role}`;
