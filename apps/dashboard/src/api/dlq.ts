import { type InfiniteData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DlqReplay, Page, RunSummary } from '@visapi/contracts';
import { useEffect } from 'react';
import { useEventStream } from '../hooks/useEventStream';
import { getJson, postJson } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** What a bulk replay replays: exactly one of these (replaySchema). */
export type ReplaySelector = { runIds: string[] } | { workflowId: string } | { all: true };

const REPLAY_POLL_MS = 1_000;
export const isReplayDone = (replay: DlqReplay | undefined) => replay?.status === 'finished' || replay?.status === 'failed';

/**
 * Dead runs, newest first (GET /dlq). GET /dlq has no filters, so the dead runs of one
 * workflow are the same list from GET /runs?status=dead&workflowId=….
 */
export function useDeadRuns(workflowId?: string) {
  return usePagedList<RunSummary>(
    queryKeys.dlq.list({ workflowId }),
    workflowId ? '/api/v1/runs' : '/api/v1/dlq',
    workflowId ? { status: 'dead', workflowId } : {},
  );
}

/** POST /dlq/replays → 202: the replay runs in the background; its progress is polled. */
export function useStartReplay() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (selector: ReplaySelector) => postJson<DlqReplay>('/api/v1/dlq/replays', selector),
    onSuccess: (replay) => client.setQueryData(queryKeys.dlq.replay(replay.id), replay),
  });
}

/**
 * A bulk replay's progress, polled (as background requests) until it has finished or failed;
 * then the dead-runs lists and the runs are refreshed.
 */
export function useReplayProgress(id: string | null) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.dlq.replay(id ?? ''),
    queryFn: () => getJson<DlqReplay>(`/api/v1/dlq/replays/${encodeURIComponent(id ?? '')}`, { background: true }),
    enabled: id !== null,
    refetchInterval: (q) => (isReplayDone(q.state.data) ? false : REPLAY_POLL_MS),
  });
  const done = isReplayDone(query.data);
  useEffect(() => {
    if (!done) return;
    void client.invalidateQueries({ queryKey: queryKeys.dlq.all });
    void client.invalidateQueries({ queryKey: queryKeys.runs.all });
  }, [done, client]);
  return query;
}

/**
 * Live: a run that dies appears (the lists refetch); a run that leaves `dead` (replayed,
 * retried) is taken out of the loaded lists at once.
 */
export function useDeadRunsLive() {
  const client = useQueryClient();
  useEventStream(['run.updated'], (_type, run) => {
    const lists = { queryKey: queryKeys.dlq.all, predicate: (q: { queryKey: readonly unknown[] }) => q.queryKey[1] === 'list' };
    if (run.status === 'dead') {
      // Many runs can die at once: let a refetch under way finish rather than restart it each time.
      void client.invalidateQueries(lists, { cancelRefetch: false });
      return;
    }
    client.setQueriesData<InfiniteData<Page<RunSummary>>>(lists, (data) =>
      data?.pages.some((page) => page.items.some((r) => r.id === run.id))
        ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((r) => r.id !== run.id) })) }
        : data,
    );
  });
}
