import { Anchor, Box, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { RunStats, RunSummary } from '@visapi/contracts';
import { useId, useState } from 'react';
import { useLiveRunStats, useRunStats } from '../../api/runs';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDateTime, formatDuration, formatNumber, formatPercent, formatTime } from '../../lib/format';
import { useWorkflowNames } from '../../api/workflows';
import { RunsChart } from './RunsChart';

/** Runs over the last `minutes`: rates and latency, a chart with its numbers as text, recent failures. */
export function RunActivity({ minutes }: { minutes: number }) {
  const stats = useRunStats(minutes);
  useLiveRunStats(minutes);
  return (
    <section aria-labelledby="run-activity-title">
      <Title order={3} size="h4" id="run-activity-title" mb="xs">
        Runs in the last {minutes === 60 ? 'hour' : `${minutes} minutes`}
      </Title>
      <QueryState query={stats} what="run statistics">
        {(data) => (
          <Stack>
            <Figures stats={data} />
            <ActivityChart stats={data} />
            <RecentFailures runs={data.recentFailures} />
          </Stack>
        )}
      </QueryState>
    </section>
  );
}

const perMinute = (stats: RunStats) => (stats.buckets.length > 0 ? stats.totals.created / stats.buckets.length : 0).toFixed(1);

function Figures({ stats }: { stats: RunStats }) {
  const { totals, latencyMs } = stats;
  const figures = [
    { label: 'Success rate', value: formatPercent(totals.successRate), note: `${formatNumber(totals.succeeded)} succeeded, ${formatNumber(totals.dead)} dead` },
    { label: 'Runs created', value: formatNumber(totals.created), note: `${perMinute(stats)} a minute, ${formatNumber(totals.cancelled)} cancelled` },
    { label: 'Failed attempts', value: formatNumber(totals.failed), note: 'runs that failed a step and will retry' },
    { label: 'Latency p50', value: formatDuration(latencyMs.p50), note: 'enqueue to finish' },
    { label: 'Latency p95', value: formatDuration(latencyMs.p95), note: `over ${formatNumber(latencyMs.count)} succeeded runs` },
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} component="dl" m={0}>
      {figures.map((f) => (
        <Card withBorder key={f.label} padding="sm">
          <Text component="dt" size="sm" c="dimmed">
            {f.label}
          </Text>
          <Text component="dd" m={0} fw={700} fz="xl">
            {f.value}
          </Text>
          <Text component="dd" m={0} size="xs" c="dimmed">
            {f.note}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

/** One sentence for the chart's caption: what it shows, in numbers. */
export function summarize(stats: RunStats): string {
  const { totals, buckets } = stats;
  const minutes = buckets.length;
  const busiest = buckets.reduce<RunStats['buckets'][number] | undefined>((top, b) => (b.created > (top?.created ?? 0) ? b : top), undefined);
  const parts = [
    `${formatNumber(totals.created)} runs created over ${minutes} minutes (${perMinute(stats)} a minute)`,
    `${formatNumber(totals.succeeded)} succeeded, ${formatNumber(totals.failed)} failed attempts, ${formatNumber(totals.dead)} dead, ${formatNumber(totals.cancelled)} cancelled`,
  ];
  if (busiest) parts.push(`busiest minute ${formatTime(busiest.at)} with ${formatNumber(busiest.created)} runs`);
  return `${parts.join('; ')}.`;
}

function ActivityChart({ stats }: { stats: RunStats }) {
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const active = stats.buckets.filter((b) => b.created + b.succeeded + b.failed + b.dead + b.cancelled > 0);
  return (
    <Card withBorder component="figure" m={0}>
      <Text component="figcaption" size="sm" mb="xs">
        Runs per minute, with their outcomes: {summarize(stats)}
      </Text>
      <RunsChart buckets={stats.buckets} />
      <Group mt="xs">
        <Button variant="subtle" size="compact-sm" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
          {showTable ? 'Hide the numbers' : 'Show the numbers per minute'}
        </Button>
      </Group>
      <Box id={tableId}>
        {showTable && (
          <DataTable
            caption="Runs per minute, minutes with activity only"
            columns={bucketColumns}
            rows={active}
            rowKey={(b) => b.at}
            empty="No runs were created or finished in this window."
          />
        )}
      </Box>
    </Card>
  );
}

const bucketColumns: Column<RunStats['buckets'][number]>[] = [
  { key: 'at', header: 'Minute', render: (b) => formatTime(b.at) },
  { key: 'created', header: 'Created', numeric: true, render: (b) => formatNumber(b.created) },
  { key: 'succeeded', header: 'Succeeded', numeric: true, render: (b) => formatNumber(b.succeeded) },
  { key: 'failed', header: 'Failed attempts', numeric: true, render: (b) => formatNumber(b.failed) },
  { key: 'dead', header: 'Dead', numeric: true, render: (b) => formatNumber(b.dead) },
  { key: 'cancelled', header: 'Cancelled', numeric: true, render: (b) => formatNumber(b.cancelled) },
];

function RecentFailures({ runs }: { runs: RunSummary[] }) {
  const { name } = useWorkflowNames();
  const columns: Column<RunSummary>[] = [
    {
      key: 'run',
      header: 'Run',
      render: (r) => (
        <Anchor component={Link} to={`/runs/${r.id}`} ff="monospace">
          {r.id.slice(0, 8)}
        </Anchor>
      ),
    },
    { key: 'workflow', header: 'Workflow', render: (r) => name(r.workflowId) },
    { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
    { key: 'error', header: 'Error', render: (r) => (r.error ? `${r.error.class}: ${r.error.message}` : '—') },
    { key: 'when', header: 'When', render: (r) => formatDateTime(r.finishedAt ?? r.createdAt) },
  ];
  return (
    <div>
      <Title order={4} size="h5" mb="xs">
        Recent failures
      </Title>
      <DataTable caption="The newest dead or failed runs" columns={columns} rows={runs} rowKey={(r) => r.id} empty="No failures in this window." />
    </div>
  );
}
