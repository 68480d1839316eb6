import { useQuery } from '@tanstack/react-query';
import type { Health } from '@visapi/contracts';
import { getJson } from './client';
import { queryKeys } from './query-keys';

export function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: () => getJson<Health>('/healthz', { acceptStatuses: [503], background: true }),
    refetchInterval: 5_000,
  });
}
