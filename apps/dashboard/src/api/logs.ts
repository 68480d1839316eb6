import type { LogEntry, LogsQuery, Page } from '@visapi/contracts';
import { getJson, queryString } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

type LogFilters = Partial<Omit<LogsQuery, 'limit' | 'cursor' | 'sinceId'>>;

/** The logs matching the filters, newest first, a page of 50 at a time (GET /logs, SPEC §9). */
export function useLogs(filters: LogFilters) {
  return usePagedList<LogEntry>(queryKeys.logs.list(filters), '/api/v1/logs', filters);
}

/**
 * The rows written after `sinceId` that match the filters, newest first: what a live tail
 * missed while it was off or reconnecting. `complete` is false when there were more than `max`.
 */
export async function fetchLogsSince(filters: LogFilters, sinceId: string, max: number): Promise<{ items: LogEntry[]; complete: boolean }> {
  const items: LogEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await getJson<Page<LogEntry>>(`/api/v1/logs${queryString({ ...filters, sinceId, limit: 200, cursor })}`, { background: true });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), complete: cursor === undefined && items.length <= max };
}
