import { Alert, Anchor, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import type { Run } from '@visapi/contracts';
import type { ReactNode } from 'react';
import { useMemo } from 'react';
import { useLiveRun, useRun } from '../../api/runs';
import { useWorkflow } from '../../api/workflows';
import { QueryState } from '../../components/QueryState';
import { useEventStreamStatus } from '../../hooks/useEventStream';
import { StatusBadge } from '../../components/StatusBadge';
import { durationBetween, formatDateTime, formatDuration } from '../../lib/format';
import { JsonBlock } from './JsonBlock';
import { LiveBadge } from './LiveBadge';
import { LogsLink } from './LogsLink';
import { RunActions } from './RunActions';
import { runDuration } from './run-duration';
import { StepTimeline } from './StepTimeline';

/** One run: what triggered it, each step's attempts and results, and what an operator may do with it. Follows the run live. */
export function RunPage() {
  const { runId } = useParams({ from: '/app/runs/$runId' });
  // Events keep the run current; without them, it is asked for again while unfinished.
  const run = useRun(runId, { poll: useEventStreamStatus() !== 'open' });
  useLiveRun(runId);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>
          Run <Text span inherit ff="monospace">{runId.slice(0, 8)}</Text>
        </Title>
        <LiveBadge />
      </Group>
      <QueryState query={run} what="the run">
        {(data) => <RunDetail run={data} />}
      </QueryState>
    </Stack>
  );
}

function RunDetail({ run }: { run: Run }) {
  const workflow = useWorkflow(run.workflowId);
  const forEachSteps = useMemo(
    () => new Set((workflow.data?.definition.steps ?? []).filter((s) => s.forEach !== undefined).map((s) => s.id)),
    [workflow.data],
  );
  const trigger = [run.trigger.type, run.trigger.key && `key ${run.trigger.key}`, run.trigger.actorId && `by ${run.trigger.actorId}`].filter(Boolean).join(', ');
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Group gap="sm">
          <StatusBadge status={run.status} label="Run status" />
          <Text size="sm" c="dimmed" ff="monospace">
            {run.id}
          </Text>
        </Group>
        <RunActions run={run} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} component="dl" spacing="xs" m={0}>
        <Fact term="Workflow">
          <Anchor component={Link} to={`/workflows/${run.workflowId}`}>
            {workflow.data?.name ?? run.workflowId}
          </Anchor>
        </Fact>
        <Fact term="Version">{run.workflowVersion}</Fact>
        <Fact term="Trigger">{trigger}</Fact>
        <Fact term="Created">{formatDateTime(run.createdAt)}</Fact>
        <Fact term="Started">{formatDateTime(run.startedAt)}</Fact>
        <Fact term="Finished">{formatDateTime(run.finishedAt)}</Fact>
        <Fact term="Duration">{runDuration(run)}</Fact>
        <Fact term="Waited in queue">{formatDuration(durationBetween(run.createdAt, run.startedAt ?? run.finishedAt))}</Fact>
        <Fact term="Attempts">{run.attempts}</Fact>
        {run.requestId && <Fact term="Request id">{run.requestId}</Fact>}
      </SimpleGrid>
      <LogsLink search={{ runId: run.id }}>The run's logs</LogsLink>
      {run.error && (
        <Alert color="red" title={`Run error (${run.error.class})${run.error.stepId ? ` in step ${run.error.stepId}` : ''}`}>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {run.error.message}
          </Text>
        </Alert>
      )}
      <section aria-labelledby="run-input-title">
        <Title order={3} size="h4" id="run-input-title" mb="xs">
          Input
        </Title>
        <JsonBlock label="Input (redacted)" value={run.input} />
      </section>
      <section aria-labelledby="run-steps-title">
        <Title order={3} size="h4" id="run-steps-title" mb="xs">
          Steps
        </Title>
        <StepTimeline steps={run.steps} forEachSteps={forEachSteps} />
      </section>
    </Stack>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed">
        {term}
      </Text>
      <Text component="dd" size="sm" m={0}>
        {children}
      </Text>
    </div>
  );
}
