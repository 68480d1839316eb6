import type { WorkflowSummary } from '@visapi/contracts';
import { useMemo } from 'react';
import { useWorkflows } from '../../api/workflows';

/** Workflow names by id, for tables of runs (a run names its workflow by id only). */
export function useWorkflowNames(): { name: (id: string) => string; workflows: WorkflowSummary[] } {
  const { data } = useWorkflows();
  return useMemo(() => {
    const workflows = data?.items ?? [];
    const names = new Map(workflows.map((w) => [w.id, w.name]));
    return { workflows, name: (id: string) => names.get(id) ?? `${id.slice(0, 8)}…` };
  }, [data]);
}
