import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { User, UserRole } from '@visapi/contracts';
import { patchJson } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** Dashboard users (admin); they appear at their first sign-in. */
export function useUsers() {
  return usePagedList<User>(queryKeys.users.list(), '/api/v1/users');
}

/** Takes effect on the user's next request (the server reads the role on every one). */
export function useSetUserRole() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: UserRole }) => patchJson<User>(`/api/v1/users/${id}`, { role }),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
