import { useInfiniteQuery } from '@tanstack/react-query';
import type { OutboxMessage } from '@visapi/contracts';
import { getJson, queryKeys } from './client';

/** Sandboxed messages, newest first, a page of 50 at a time. */
export function useOutbox(connector?: string) {
  return useInfiniteQuery({
    queryKey: queryKeys.outbox(connector),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ limit: '50', ...(connector ? { connector } : {}), ...(pageParam ? { cursor: pageParam } : {}) });
      return getJson<{ items: OutboxMessage[]; nextCursor: string | null }>(`/api/v1/outbox?${query}`);
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: 5_000,
  });
}
