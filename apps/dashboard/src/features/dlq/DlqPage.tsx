import { Anchor, Badge, Button, Group, Modal, NativeSelect, Stack, Text } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { RunSummary } from '@visapi/contracts';
import { useState } from 'react';
import { isReplayDone, type ReplaySelector, useDeadRuns, useDeadRunsLive, useReplayProgress, useStartReplay } from '../../api/dlq';
import { useWorkflowNames } from '../../api/workflows';
import { type Column, DataTable } from '../../components/DataTable';
import { PageDescription, PageTitle } from '../../frames/PageFrame';
import { ErrorAlert, QueryState } from '../../components/QueryState';
import { RunIdLink } from '../../components/RunIdLink';
import { useCan } from '../../hooks/useCan';
import { formatDateTime, formatNumber } from '../../lib/format';
import { ReplayProgress } from './ReplayProgress';

interface Confirmation {
  selector: ReplaySelector;
  /** "Replay 3 dead runs?" — how many, as far as the page knows. */
  question: string;
}

const deadRuns = (n: number) => `${formatNumber(n)} dead ${n === 1 ? 'run' : 'runs'}`;

/** Dead letters (SPEC §6, §11): the dead runs, and replaying one, a selection or all of them. */
export function DlqPage() {
  const { workflowId } = useSearch({ from: '/app/dlq' });
  const navigate = useNavigate({ from: '/dlq' });
  const canReplay = useCan('operator');
  const { workflows, name } = useWorkflowNames();
  const dead = useDeadRuns(workflowId);
  useDeadRunsLive();
  const start = useStartReplay();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [replayId, setReplayId] = useState<string | null>(null);
  const progress = useReplayProgress(replayId);

  const workflowName = workflowId ? name(workflowId) : undefined;
  // Runs that left the list (replayed elsewhere, another filter) are no longer selected.
  const chosen = dead.items.filter((run) => selected.has(run.id)).map((run) => run.id);
  // One bulk replay at a time from this page.
  const busy = start.isPending || (replayId !== null && !progress.error && !isReplayDone(progress.data));

  const askAll = () => {
    const known = dead.items.length;
    const scope = workflowName ? ` of ${workflowName}` : '';
    const question = dead.hasMore ? `Replay all dead runs${scope} (at least ${formatNumber(known)})?` : `Replay all ${deadRuns(known)}${scope}?`;
    setConfirmation({ selector: workflowId ? { workflowId } : { all: true }, question });
  };
  const confirm = () => {
    if (!confirmation) return;
    start.mutate(confirmation.selector, {
      onSuccess: (replay) => {
        setReplayId(replay.id);
        setSelected(new Set());
      },
      onSettled: () => setConfirmation(null),
    });
  };

  const columns: Column<RunSummary>[] = [
    { key: 'run', header: 'Run', render: (run) => <RunIdLink runId={run.id} /> },
    {
      key: 'workflow',
      header: 'Workflow',
      render: (run) => (
        <Anchor component={Link} to={`/workflows/${run.workflowId}`} size="sm">
          {name(run.workflowId)}
        </Anchor>
      ),
    },
    { key: 'step', header: 'Failed step', render: (run) => (run.error?.stepId ? <code>{run.error.stepId}</code> : '—') },
    {
      key: 'error',
      header: 'Error',
      render: (run) =>
        run.error ? (
          <Stack gap={2} align="flex-start">
            <Badge variant="outline" color="red" size="sm">
              {run.error.class}
            </Badge>
            <Text size="sm" style={{ wordBreak: 'break-word' }}>
              {run.error.message}
            </Text>
          </Stack>
        ) : (
          '—'
        ),
    },
    { key: 'died', header: 'Died', render: (run) => <time dateTime={run.finishedAt ?? run.createdAt}>{formatDateTime(run.finishedAt ?? run.createdAt)}</time> },
    ...(canReplay
      ? [
          {
            key: 'actions',
            header: 'Actions',
            render: (run: RunSummary) => (
              <Button
                variant="light"
                size="compact-sm"
                disabled={busy}
                aria-label={`Replay run ${run.id.slice(0, 8)}`}
                onClick={() => setConfirmation({ selector: { runIds: [run.id] }, question: `Replay 1 dead run (${run.id.slice(0, 8)})?` })}
              >
                Replay
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <Stack>
      <PageTitle path="/dlq" />
      <PageDescription path="/dlq" />
      <Group justify="space-between" align="flex-end">
        <NativeSelect
          label="Workflow"
          value={workflowId ?? ''}
          onChange={(e) => {
            setSelected(new Set());
            void navigate({ search: { workflowId: e.currentTarget.value || undefined } });
          }}
          data={[{ value: '', label: 'All workflows' }, ...workflows.map((w) => ({ value: w.id, label: w.name }))]}
        />
        {canReplay && (
          <Group gap="sm">
            <Button
              variant="default"
              disabled={busy || chosen.length === 0}
              onClick={() => setConfirmation({ selector: { runIds: chosen }, question: `Replay the ${deadRuns(chosen.length)} selected?` })}
            >
              Replay selected ({formatNumber(chosen.length)})
            </Button>
            <Button color="red" disabled={busy || dead.items.length === 0} onClick={askAll}>
              Replay all
            </Button>
          </Group>
        )}
      </Group>
      {start.error && <ErrorAlert title="The replay was refused" error={start.error} />}
      {replayId && <ReplayProgress progress={progress} onDismiss={() => setReplayId(null)} />}
      <QueryState query={dead.query} what="the dead runs">
        {() => (
          <DataTable
            caption={workflowName ? `Dead runs of ${workflowName}, newest first` : 'Dead runs, newest first'}
            columns={columns}
            rows={dead.items}
            rowKey={(run) => run.id}
            empty={workflowName ? `No dead runs of ${workflowName}.` : 'No dead runs: nothing is waiting in the dead-letter queue.'}
            selection={canReplay ? { selected, onChange: setSelected, label: (id) => `Select run ${id.slice(0, 8)}` } : undefined}
            hasMore={dead.hasMore}
            onLoadMore={dead.loadMore}
            isLoadingMore={dead.isLoadingMore}
          />
        )}
      </QueryState>
      <Modal opened={confirmation !== null} onClose={() => setConfirmation(null)} title="Replay dead runs" closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text>{confirmation?.question}</Text>
          <Text size="sm" c="dimmed">
            Each run resumes at its failed step. This is recorded in the audit log under your name.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmation(null)}>
              Cancel
            </Button>
            <Button color="red" loading={start.isPending} onClick={confirm}>
              Replay
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
