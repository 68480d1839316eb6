import { Group, NativeSelect, Skeleton, Stack, Text, Title } from '@mantine/core';
import type { WorkflowVersion } from '@visapi/contracts';
import { lazy, Suspense, useState } from 'react';
import { useWorkflowVersions } from '../../api/workflows';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';

// The `diff` package comes with the diff, in its own chunk: only a workflow with two versions loads it.
const DefinitionDiff = lazy(() => import('./DefinitionDiff').then((m) => ({ default: m.DefinitionDiff })));

const columns: Column<WorkflowVersion>[] = [
  { key: 'version', header: 'Version', render: (v) => v.version },
  { key: 'created', header: 'Created', render: (v) => formatDateTime(v.createdAt) },
  { key: 'by', header: 'By', render: (v) => (v.createdBy ? <code>{v.createdBy}</code> : 'an API key or the system') },
];

/** Every version of the workflow, and a diff between any two (by default the previous and the latest). */
export function WorkflowVersions({ workflowId }: { workflowId: string }) {
  const versions = useWorkflowVersions(workflowId);
  return (
    <Stack component="section" aria-labelledby="versions-title" gap="xs">
      <Title order={3} id="versions-title" size="h4">
        Versions
      </Title>
      <QueryState query={versions.query} what="the versions">
        {() => (
          <>
            <DataTable
              caption="Versions of this workflow, newest first"
              columns={columns}
              rows={versions.items}
              rowKey={(v) => v.id}
              empty="No versions."
              hasMore={versions.hasMore}
              onLoadMore={versions.loadMore}
              isLoadingMore={versions.isLoadingMore}
            />
            {versions.items.length > 1 && <VersionDiff versions={versions.items} />}
          </>
        )}
      </QueryState>
    </Stack>
  );
}

function VersionDiff({ versions }: { versions: WorkflowVersion[] }) {
  // Newest first: by default the previous version against the latest, following new versions as they come.
  const [fromId, setFromId] = useState<string>();
  const [toId, setToId] = useState<string>();
  const from = versions.find((v) => v.id === fromId) ?? versions[1]!;
  const to = versions.find((v) => v.id === toId) ?? versions[0]!;
  const options = versions.map((v) => ({ value: v.id, label: `${v.version} (${formatDateTime(v.createdAt)})` }));
  return (
    <Stack gap="xs" mt="sm">
      <Title order={4} size="h5">
        Compare versions
      </Title>
      <Group align="flex-end">
        <NativeSelect label="From version" value={from.id} onChange={(e) => setFromId(e.currentTarget.value)} data={options} />
        <NativeSelect label="To version" value={to.id} onChange={(e) => setToId(e.currentTarget.value)} data={options} />
      </Group>
      {from.id === to.id ? (
        <Text size="sm">Pick two different versions to see what changed.</Text>
      ) : (
        <Suspense fallback={<Skeleton height={160} role="status" aria-label="Loading the changes" />}>
          <DefinitionDiff from={from.definition} to={to.definition} label={`Changes from version ${from.version} to ${to.version}`} />
        </Suspense>
      )}
    </Stack>
  );
}
