import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionUser, User } from '@visapi/contracts';
import { getJson, isUnauthorized, postJson } from './client';
import { queryKeys } from './query-keys';

/** The signed-in user and the session's expiry times; an ApiError 401 when there is none. */
export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: () => getJson<SessionUser>('/api/v1/auth/me'),
    retry: (count, error) => !isUnauthorized(error) && count < 2,
    staleTime: 60_000,
  });
}

export function useRequestMagicLink() {
  return useMutation({ mutationFn: (email: string) => postJson<{ status: string }>('/api/v1/auth/magic-link', { email }) });
}

export function useVerify() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => postJson<User>('/api/v1/auth/verify', { token }),
    // The verify answer is the user without the session's expiry times: read /me afresh.
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.me }),
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => postJson<void>('/api/v1/auth/logout'),
    onSettled: () => client.clear(),
  });
}
