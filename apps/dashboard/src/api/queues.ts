import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Queues } from '@visapi/contracts';
import { useEventStream } from '../hooks/useEventStream';
import { getJson } from './client';
import { queryKeys } from './query-keys';

/**
 * Jobs per queue and state and the workers on each, kept current by the `queues.counts`
 * event; polled slowly in the background in case the stream is down.
 */
export function useQueues() {
  const client = useQueryClient();
  useEventStream(['queues.counts'], (_type, queues) => client.setQueryData<Queues>(queryKeys.queues, queues));
  return useQuery({
    queryKey: queryKeys.queues,
    queryFn: () => getJson<Queues>('/api/v1/queues', { background: true }),
    refetchInterval: 60_000,
  });
}
