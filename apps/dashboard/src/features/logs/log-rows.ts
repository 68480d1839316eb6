import type { LogEntry, LogsQuery } from '@visapi/contracts';

/** The filters of GET /logs that choose rows (paging and the catch-up cursor aside), as the URL holds them. */
export type LogFilters = Partial<Omit<LogsQuery, 'limit' | 'cursor' | 'sinceId'>>;

const sameId = (value: string | null, wanted: string) => value !== null && value.toLowerCase() === wanted.toLowerCase();

/**
 * Whether a live row (`log.created`) belongs in a view with these filters: the same tests the
 * server applies to GET /logs (`q` a case-insensitive substring of the message, `from`
 * inclusive, `to` exclusive).
 */
export function matchesLogFilters(entry: LogEntry, filters: LogFilters): boolean {
  if (filters.level && entry.level !== filters.level) return false;
  if (filters.workflowId && !sameId(entry.workflowId, filters.workflowId)) return false;
  if (filters.runId && !sameId(entry.runId, filters.runId)) return false;
  if (filters.actorId && !sameId(entry.actorId, filters.actorId)) return false;
  if (filters.jobId && entry.jobId !== filters.jobId) return false;
  if (filters.q && !entry.message.toLowerCase().includes(filters.q.toLowerCase())) return false;
  const at = Date.parse(entry.createdAt);
  if (filters.from && at < Date.parse(filters.from)) return false;
  if (filters.to && at >= Date.parse(filters.to)) return false;
  return true;
}

/** Log ids are bigserial numbers sent as strings: compare them as numbers without BigInt parsing. */
export function compareIds(a: string, b: string): number {
  return a.length === b.length ? (a < b ? -1 : a > b ? 1 : 0) : a.length - b.length;
}

/** The server's order: newest `createdAt` first, then the higher id. */
export function newestFirst(a: LogEntry, b: LogEntry): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  return byTime !== 0 ? byTime : compareIds(b.id, a.id);
}

/** Both lists as one, each row once, newest first, at most `max` rows (the newest). */
export function mergeNewestFirst(incoming: readonly LogEntry[], existing: readonly LogEntry[], max = Infinity): LogEntry[] {
  const byId = new Map<string, LogEntry>();
  for (const row of existing) byId.set(row.id, row);
  for (const row of incoming) byId.set(row.id, row);
  return [...byId.values()].sort(newestFirst).slice(0, max);
}

/** The highest log id among the rows: the `sinceId` a catch-up asks from. */
export function newestId(rows: readonly LogEntry[]): string | undefined {
  let newest: string | undefined;
  for (const row of rows) if (newest === undefined || compareIds(row.id, newest) > 0) newest = row.id;
  return newest;
}

/** What a live tail holds. */
export interface TailState {
  /** Rows that arrived live (or by catch-up), newest first. */
  rows: LogEntry[];
  /** More than the cap arrived and older live rows were let go: the paged list below them would leave a gap. */
  overflowed: boolean;
}

/** The tail with more rows, keeping the newest `max`. */
export function addLiveRows(state: TailState, incoming: readonly LogEntry[], max: number): TailState {
  const merged = mergeNewestFirst(incoming, state.rows);
  return merged.length > max ? { rows: merged.slice(0, max), overflowed: true } : { rows: merged, overflowed: state.overflowed };
}
