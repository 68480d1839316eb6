import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Page, RotatedWebhookSecret, Workflow, WorkflowSummary, WorkflowVersion } from '@visapi/contracts';
import { getJson, isRefetch, patchJson, postJson, putJson, queryString } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';
import { shownOnce } from './shown-once';

/** Every workflow (the filters and name lookups need them all), read 200 a page. */
export function useWorkflows() {
  return useQuery({
    queryKey: queryKeys.workflows.list(),
    queryFn: async (context): Promise<Page<WorkflowSummary>> => {
      const items: WorkflowSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await getJson<Page<WorkflowSummary>>(`/api/v1/workflows${queryString({ limit: 200, cursor })}`, { background: isRefetch(context) });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { items, nextCursor: null };
    },
  });
}

/** One workflow with its definition; the route prefetches it (router.tsx), the page reads it. */
export const workflowQuery = (id: string) =>
  queryOptions({ queryKey: queryKeys.workflows.detail(id), queryFn: (context) => getJson<Workflow>(`/api/v1/workflows/${id}`, { background: isRefetch(context) }) });

export function useWorkflow(id: string) {
  return useQuery(workflowQuery(id));
}

/** Workflow names by id, for tables whose rows name their workflow by id only (runs, dead letters, logs). */
export function useWorkflowNames(): { name: (id: string) => string; workflows: WorkflowSummary[] } {
  const { data } = useWorkflows();
  return useMemo(() => {
    const workflows = data?.items ?? [];
    const names = new Map(workflows.map((w) => [w.id, w.name]));
    return { workflows, name: (id: string) => names.get(id) ?? `${id.slice(0, 8)}…` };
  }, [data]);
}

/** The workflow's versions, newest first, each with its definition. */
export function useWorkflowVersions(id: string) {
  return usePagedList<WorkflowVersion>(queryKeys.workflows.versions(id), `/api/v1/workflows/${id}/versions`);
}

/** A new version of the definition (PUT); the server re-validates and may refuse (400/409). */
export function useSaveWorkflow(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (definition: unknown) => putJson<Workflow>(`/api/v1/workflows/${id}`, definition),
    onSuccess: (workflow) => {
      client.setQueryData(queryKeys.workflows.detail(id), workflow);
      void client.invalidateQueries({ queryKey: queryKeys.workflows.versions(id) });
      void client.invalidateQueries({ queryKey: queryKeys.workflows.list() });
    },
  });
}

export function useSetWorkflowEnabled(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) => patchJson<Workflow>(`/api/v1/workflows/${id}`, { enabled }),
    onSuccess: (workflow) => {
      client.setQueryData(queryKeys.workflows.detail(id), workflow);
      void client.invalidateQueries({ queryKey: queryKeys.workflows.list() });
    },
  });
}

/**
 * A new signing secret for one webhook (admin): the answer is the only time it is shown, so
 * callers reset the mutation once it has been copied. The workflow has a new version.
 */
export function useRotateWebhookSecret(id: string) {
  const client = useQueryClient();
  return useMutation({
    ...shownOnce,
    mutationFn: (key: string) => postJson<RotatedWebhookSecret>(`/api/v1/workflows/${id}/webhooks/${encodeURIComponent(key)}/rotate-secret`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.workflows.detail(id) });
      void client.invalidateQueries({ queryKey: queryKeys.workflows.list() });
    },
  });
}
