import { type InfiniteData, type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page, Run, RunStats, RunsQuery, RunSummary, TriggerAccepted } from '@visapi/contracts';
import { useEffect, useRef } from 'react';
import { useEventStream } from '../hooks/useEventStream';
import { getJson, isRefetch, postJson } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** The filters of the runs list, as the URL holds them. */
export type RunFilters = Partial<Omit<RunsQuery, 'limit' | 'cursor'>>;

/** Runs, newest first, 50 at a time; `useLiveRunList` keeps them current. */
export function useRuns(filters: RunFilters) {
  return usePagedList<RunSummary>(queryKeys.runs.list(filters), '/api/v1/runs', { ...filters });
}

const UNFINISHED: ReadonlySet<Run['status']> = new Set(['queued', 'running', 'failed']);

/**
 * One run with its steps. `poll`: ask again every 5 s while it is unfinished (for when the
 * event stream is down). Every fetch after the first — live updates, polling — is background:
 * it does not keep an idle session alive.
 */
export function useRun(id: string, { poll = false }: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.runs.detail(id),
    queryFn: (context) => getJson<Run>(`/api/v1/runs/${id}`, { background: isRefetch(context) }),
    refetchInterval: (query) => (poll && query.state.data && UNFINISHED.has(query.state.data.status) ? 5_000 : false),
  });
}

/** Runs per minute, success rate and latency over the last `minutes`, refreshed in the background. */
export function useRunStats(minutes = 60) {
  return useQuery({
    queryKey: queryKeys.runs.stats(minutes),
    queryFn: () => getJson<RunStats>(`/api/v1/runs/stats?minutes=${minutes}`, { background: true }),
    refetchInterval: 30_000,
  });
}

/** POST /runs/{id}/retry → 202: the run resumes at its first unfinished step. */
export function useRetryRun(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => postJson<TriggerAccepted>(`/api/v1/runs/${id}/retry`),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.runs.all }),
  });
}

/** POST /runs/{id}/cancel → 200 with the run. */
export function useCancelRun(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => postJson<Run>(`/api/v1/runs/${id}/cancel`),
    onSuccess: (run) => {
      client.setQueryData(queryKeys.runs.detail(id), run);
      void client.invalidateQueries({ queryKey: queryKeys.runs.all });
    },
  });
}

/** POST /workflows/{id}/trigger with the run's input → 202 {runId, statusUrl}. */
export function useTriggerWorkflow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ workflowId, input }: { workflowId: string; input: unknown }) => postJson<TriggerAccepted>(`/api/v1/workflows/${workflowId}/trigger`, input),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.runs.all }),
  });
}

/** Whether a run belongs in a list with these filters. */
export function runMatches(run: RunSummary, filters: RunFilters): boolean {
  const created = Date.parse(run.createdAt);
  return (
    (!filters.workflowId || run.workflowId === filters.workflowId) &&
    (!filters.status || run.status === filters.status) &&
    (!filters.triggerType || run.trigger.type === filters.triggerType) &&
    (!filters.from || created >= Date.parse(filters.from)) &&
    (!filters.to || created <= Date.parse(filters.to))
  );
}

type RunPages = InfiniteData<Page<RunSummary>, string | undefined>;

/**
 * A live run in one cached list: replaced where it is, or taken out when it no longer matches
 * the list's filters (a list of running runs loses the ones that finish); otherwise, when it
 * matches and is newer than the last run of the first page, inserted in date order (a new run
 * lands at the top).
 */
export function placeRun(data: RunPages | undefined, run: RunSummary, filters: RunFilters): RunPages | undefined {
  if (!data || data.pages.length === 0) return data;
  const present = data.pages.some((page) => page.items.some((r) => r.id === run.id));
  if (present) {
    const keep = runMatches(run, filters);
    return {
      ...data,
      pages: data.pages.map((page) => ({
        ...page,
        items: keep ? page.items.map((r) => (r.id === run.id ? { ...r, ...run } : r)) : page.items.filter((r) => r.id !== run.id),
      })),
    };
  }
  if (!runMatches(run, filters)) return data;
  const [first, ...rest] = data.pages;
  const last = first!.items.at(-1);
  if (last && first!.nextCursor !== null && run.createdAt < last.createdAt) return data;
  const at = first!.items.findIndex((r) => r.createdAt <= run.createdAt);
  const items = at === -1 ? [...first!.items, run] : [...first!.items.slice(0, at), run, ...first!.items.slice(at)];
  return { ...data, pages: [{ ...first!, items }, ...rest] };
}

function placeInLists(client: QueryClient, run: RunSummary) {
  for (const [key] of client.getQueriesData<RunPages>({ queryKey: [...queryKeys.runs.all, 'list'] })) {
    const filters = (key[2] ?? {}) as RunFilters;
    client.setQueryData<RunPages>(key, (data) => placeRun(data, run, filters));
  }
}

/** New runs appear in every loaded runs list that they match; changed ones change in place. */
export function useLiveRunLists() {
  const client = useQueryClient();
  useEventStream(['run.created', 'run.updated'], (_type, run) => placeInLists(client, run));
}

/** A shown run follows its `run.updated` events: the summary at once, then its steps from the API. */
export function useLiveRun(id: string) {
  const client = useQueryClient();
  useEventStream(['run.updated'], (_type, run) => {
    if (run.id !== id) return;
    client.setQueryData<Run>(queryKeys.runs.detail(id), (data) => (data ? { ...data, ...run } : data));
    void client.invalidateQueries({ queryKey: queryKeys.runs.detail(id) });
  });
}

/** The stats follow run events, at most once per `everyMs` (the last event always counts). */
export function useLiveRunStats(minutes = 60, everyMs = 5_000) {
  const client = useQueryClient();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useEventStream(['run.created', 'run.updated'], () => {
    if (timer.current) return;
    const refetch = () => {
      timer.current = undefined;
      last.current = Date.now();
      void client.invalidateQueries({ queryKey: queryKeys.runs.stats(minutes) });
    };
    const wait = last.current + everyMs - Date.now();
    if (wait <= 0) refetch();
    else timer.current = setTimeout(refetch, wait);
  });
}
