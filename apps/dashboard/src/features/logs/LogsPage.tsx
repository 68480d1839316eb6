import { Anchor, Badge, Button, Code, Group, Stack, Text } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { LogEntry } from '@visapi/contracts';
import { useState } from 'react';
import { useLogs } from '../../api/logs';
import { useWorkflowNames } from '../../api/workflows';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorAlert, QueryState } from '../../components/QueryState';
import { RunIdLink } from '../../components/RunIdLink';
import { StatusBadge } from '../../components/StatusBadge';
import type { StreamStatus } from '../../hooks/useEventStream';
import { formatDateTime } from '../../lib/format';
import { LogFiltersForm } from './LogFiltersForm';
import { type LogFilters, mergeNewestFirst } from './log-rows';
import { MAX_LIVE_ROWS, useLiveTail } from './useLiveTail';
import { PageTitle } from '../../frames/PageFrame';

/** The logs explorer (SPEC §9, §11): every filter of GET /logs in the URL, paging, live tail. */
export function LogsPage() {
  const { sinceId: _sinceId, ...filters }: LogFilters & { sinceId?: string } = useSearch({ from: '/app/logs' });
  const navigate = useNavigate({ from: '/logs' });
  const [live, setLive] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const { workflows, name } = useWorkflowNames();
  const logs = useLogs(filters);
  const tail = useLiveTail(filters, live, logs.items, () => logs.query.refetch());

  const rows = tail.overflowed ? tail.rows : mergeNewestFirst(tail.rows, logs.items);
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const columns: Column<LogEntry>[] = [
    { key: 'time', header: 'Time', render: (row) => <time dateTime={row.createdAt}>{formatDateTime(row.createdAt)}</time> },
    { key: 'level', header: 'Level', render: (row) => <StatusBadge status={row.level} /> },
    { key: 'message', header: 'Message', render: (row) => <Message row={row} expanded={expanded.has(row.id)} onToggle={() => toggle(row.id)} /> },
    {
      key: 'workflow',
      header: 'Workflow',
      render: (row) =>
        row.workflowId ? (
          <Anchor component={Link} to={`/workflows/${row.workflowId}`} size="sm">
            {name(row.workflowId)}
          </Anchor>
        ) : (
          '—'
        ),
    },
    { key: 'run', header: 'Run', render: (row) => (row.runId ? <RunIdLink runId={row.runId} /> : '—') },
    { key: 'actor', header: 'Actor', render: (row) => (row.actorId ? <Text size="sm" ff="monospace">{row.actorId.slice(0, 8)}</Text> : '—') },
  ];

  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle path="/logs" />
        <Group gap="sm">
          {live && <LiveStatus status={tail.status} />}
          <Button variant={live ? 'filled' : 'default'} aria-pressed={live} onClick={() => setLive(!live)}>
            Live tail
          </Button>
        </Group>
      </Group>
      <LogFiltersForm
        key={formKey}
        filters={filters}
        workflows={workflows}
        onChange={(key, value, replace) => void navigate({ search: (prev) => ({ ...prev, [key]: value }), replace })}
        onClear={() => {
          setFormKey((k) => k + 1);
          void navigate({ search: {} });
        }}
      />
      {tail.error !== null && <ErrorAlert title="The live tail could not fetch what it missed" error={tail.error} />}
      {tail.overflowed && (
        <Text size="sm" c="dimmed">
          Showing the newest {MAX_LIVE_ROWS} live rows. Turn the live tail off to page through older ones.
        </Text>
      )}
      <QueryState query={logs.query} what="the logs">
        {() => (
          <DataTable
            caption={live ? 'Log rows, newest first, updated live' : 'Log rows, newest first'}
            columns={columns}
            rows={rows}
            rowKey={(row) => row.id}
            empty="No log rows match these filters."
            hasMore={!tail.overflowed && logs.hasMore}
            onLoadMore={logs.loadMore}
            isLoadingMore={logs.isLoadingMore}
          />
        )}
      </QueryState>
    </Stack>
  );
}

function Message({ row, expanded, onToggle }: { row: LogEntry; expanded: boolean; onToggle: () => void }) {
  const payloadId = `log-payload-${row.id}`;
  return (
    <Stack gap={4} align="flex-start">
      <Text size="sm" dir="auto" style={{ wordBreak: 'break-word' }}>
        {row.message}
      </Text>
      {row.payload !== null && (
        <Button variant="subtle" size="compact-xs" aria-expanded={expanded} aria-controls={expanded ? payloadId : undefined} onClick={onToggle}>
          {expanded ? 'Hide payload' : 'Show payload'}
        </Button>
      )}
      {expanded && row.payload !== null && (
        <Stack gap={2} id={payloadId} w="100%">
          <Code block>{JSON.stringify(row.payload, null, 2)}</Code>
          {row.piiRedacted && (
            <Text size="xs" c="dimmed">
              Personal data redacted before the row was written.
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}

const STATUS_TEXT: Record<StreamStatus, { label: string; color: string }> = {
  open: { label: 'Live', color: 'green' },
  connecting: { label: 'Reconnecting…', color: 'orange' },
  closed: { label: 'Not connected', color: 'red' },
};

function LiveStatus({ status }: { status: StreamStatus }) {
  const { label, color } = STATUS_TEXT[status];
  return (
    <span role="status">
      <Badge variant="light" color={color}>
        {label}
      </Badge>
    </span>
  );
}
