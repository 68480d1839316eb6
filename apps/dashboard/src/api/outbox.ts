import type { OutboxMessage } from '@visapi/contracts';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** Sandboxed messages, newest first, a page of 50 at a time. */
export function useOutbox(connector?: string) {
  return usePagedList<OutboxMessage>(queryKeys.outbox.list(connector), '/api/v1/outbox', { connector }, { refetchInterval: 5_000 });
}
