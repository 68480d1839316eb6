import { Anchor, Group, Stack } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { RunSummary } from '@visapi/contracts';
import { type RunFilters as Filters, useLiveRunLists, useRuns } from '../../api/runs';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDateTime } from '../../lib/format';
import { LiveBadge } from './LiveBadge';
import { RunFilters } from './RunFilters';
import { runDuration } from './run-duration';
import { useWorkflowNames } from '../../api/workflows';
import { PageTitle } from '../../frames/PageFrame';

/** Every run, newest first, filtered by what the URL says; new and changing runs appear as they happen. */
export function RunsPage() {
  const filters: Filters = useSearch({ from: '/app/runs' });
  const navigate = useNavigate({ from: '/runs' });
  const runs = useRuns(filters);
  useLiveRunLists();
  const { name } = useWorkflowNames();
  const columns: Column<RunSummary>[] = [
    {
      key: 'id',
      header: 'Run',
      render: (r) => (
        <Anchor component={Link} to={`/runs/${r.id}`} ff="monospace" aria-label={`Run ${r.id}`}>
          {r.id.slice(0, 8)}
        </Anchor>
      ),
    },
    { key: 'workflow', header: 'Workflow', render: (r) => name(r.workflowId) },
    { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
    { key: 'trigger', header: 'Trigger', render: (r) => r.trigger.type },
    { key: 'created', header: 'Created', render: (r) => formatDateTime(r.createdAt) },
    { key: 'duration', header: 'Duration', numeric: true, render: runDuration },
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle path="/runs" />
        <LiveBadge />
      </Group>
      <RunFilters filters={filters} onChange={(next) => void navigate({ search: next })} />
      <QueryState query={runs.query} what="runs">
        {() => (
          <DataTable
            caption="Runs, newest first"
            columns={columns}
            rows={runs.items}
            rowKey={(r) => r.id}
            empty={Object.values(filters).some((v) => v !== undefined) ? 'No run matches these filters.' : 'No runs yet.'}
            hasMore={runs.hasMore}
            onLoadMore={runs.loadMore}
            isLoadingMore={runs.isLoadingMore}
          />
        )}
      </QueryState>
    </Stack>
  );
}
