import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiKey, CreateApiKey, CreatedApiKey } from '@visapi/contracts';
import { deleteJson, postJson } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';
import { shownOnce } from './shown-once';

/** Every API key, newest first; never a secret (admin). */
export function useApiKeys() {
  return usePagedList<ApiKey>(queryKeys.apiKeys.list(), '/api/v1/api-keys');
}

/** The answer holds the new key, shown once. */
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    ...shownOnce,
    mutationFn: (body: CreateApiKey) => postJson<CreatedApiKey>('/api/v1/api-keys', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.apiKeys.all }),
  });
}

/** A new secret, shown once; the old one stays valid for `graceHours` (default 24 on the server). */
export function useRotateApiKey() {
  const client = useQueryClient();
  return useMutation({
    ...shownOnce,
    mutationFn: ({ id, graceHours }: { id: string; graceHours: number }) => postJson<CreatedApiKey>(`/api/v1/api-keys/${id}/rotate`, { graceHours }),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.apiKeys.all }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => deleteJson(`/api/v1/api-keys/${id}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.apiKeys.all }),
  });
}
