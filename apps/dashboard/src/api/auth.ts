import { type Mutation, type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionUser, User } from '@visapi/contracts';
import { getJson, isUnauthorized, postJson } from './client';
import { queryKeys } from './query-keys';

const fetchMe = (background: boolean) => getJson<SessionUser>('/api/v1/auth/me', { background });

/** The signed-in user and the session's expiry times; an ApiError 401 when there is none. */
export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: () => fetchMe(false),
    retry: (count, error) => !isUnauthorized(error) && count < 2,
    staleTime: 60_000,
  });
}

/**
 * Reads /auth/me now. A background read only tells when the session ends; a non-background one
 * is a user's action and extends it (the server moves `idleExpiresAt` at most once a minute).
 */
export function refreshMe(client: QueryClient, { background }: { background: boolean }) {
  return client.fetchQuery({ queryKey: queryKeys.me, queryFn: () => fetchMe(background), staleTime: 0, retry: false });
}

/**
 * The MutationCache's onSuccess: a user's change extended the idle session on the server, so
 * read its new end for the idle warning, at most once a minute (as often as the server moves
 * it). Sign-in and sign-out mutations (keys under `auth`) manage the session themselves.
 */
export function followSessionAfterMutations(client: QueryClient) {
  let last = Number.NEGATIVE_INFINITY;
  return (mutation: Mutation<unknown, unknown, unknown, unknown>) => {
    if (mutation.options.mutationKey?.[0] === 'auth' || !client.getQueryData(queryKeys.me)) return;
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    refreshMe(client, { background: true }).catch(() => undefined);
  };
}

/** "Stay signed in": a read of /auth/me the user asked for, which extends the idle session. */
export function useStaySignedIn() {
  const client = useQueryClient();
  return useMutation({ mutationKey: ['auth', 'stay'], mutationFn: () => refreshMe(client, { background: false }) });
}

export function useRequestMagicLink() {
  return useMutation({ mutationKey: ['auth', 'magic-link'], mutationFn: (email: string) => postJson<{ status: string }>('/api/v1/auth/magic-link', { email }) });
}

export function useVerify() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['auth', 'verify'],
    mutationFn: (token: string) => postJson<User>('/api/v1/auth/verify', { token }),
    // The verify answer is the user without the session's expiry times: read /me afresh.
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.me }),
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['auth', 'logout'],
    mutationFn: () => postJson<void>('/api/v1/auth/logout'),
    onSettled: () => client.clear(),
  });
}
