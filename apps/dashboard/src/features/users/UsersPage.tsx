import { Button, Group, Modal, NativeSelect, Stack, Text } from '@mantine/core';
import { USER_ROLES, type User, type UserRole } from '@visapi/contracts/auth';
import { useState } from 'react';
import { useMe } from '../../api/auth';
import { useSetUserRole, useUsers } from '../../api/users';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorAlert, QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { PageDescription, PageTitle } from '../../frames/PageFrame';
import { formatDateTime } from '../../lib/format';
import { ROLE_POWERS } from './role-powers';


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
      <PageTitle path="/users" />
      <PageDescription path="/users" />
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
