import { useQuery } from '@tanstack/react-query';
import type { Health } from '@visapi/contracts';
import { getJson, queryKeys } from './client';

export function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: () => getJson<Health>('/healthz', [503]),
    refetchInterval: 5_000,
  });
}
