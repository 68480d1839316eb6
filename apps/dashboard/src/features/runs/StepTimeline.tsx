import { Alert, Code, Group, Stack, Text, Timeline, Title } from '@mantine/core';
import type { Run } from '@visapi/contracts';
import { type Column, DataTable } from '../../components/DataTable';
import { StatusBadge } from '../../components/StatusBadge';
import { durationBetween, formatDateTime, formatDuration } from '../../lib/format';
import { FileLinkButton, storedFileKey } from './FileLinkButton';
import { JsonBlock } from './JsonBlock';

type Step = Run['steps'][number];

/** A forEach step that succeeded stores each item's output, in item order (engine/step-runner.ts). */
interface Item {
  index: number;
  output: unknown;
}

const itemColumns: Column<Item>[] = [
  { key: 'index', header: 'Item', numeric: true, render: (i) => i.index },
  { key: 'status', header: 'Status', render: () => <StatusBadge status="succeeded" /> },
  {
    key: 'output',
    header: 'Output',
    render: (i) => {
      const fileKey = storedFileKey(i.output);
      return (
        <Stack gap={4}>
          <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{JSON.stringify(i.output ?? null)}</Code>
          {fileKey && <FileLinkButton fileKey={fileKey} label={`item ${i.index}`} />}
        </Stack>
      );
    },
  },
];

/**
 * Every step of the run in order: status, attempts, timings, error with its class, output.
 * `forEachSteps` names the steps that run per item (from the workflow's definition).
 */
export function StepTimeline({ steps, forEachSteps }: { steps: Step[]; forEachSteps: ReadonlySet<string> }) {
  if (steps.length === 0) return <Text c="dimmed">No step has started yet.</Text>;
  const reached = steps.reduce((last, s, i) => (s.status === 'pending' ? last : i), -1);
  return (
    <Timeline active={reached} bulletSize={16} lineWidth={2}>
      {steps.map((step) => (
        <Timeline.Item key={step.id} color={step.status === 'failed' ? 'red' : undefined} title={<StepTitle step={step} />}>
          <StepBody step={step} forEach={forEachSteps.has(step.id)} />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function StepTitle({ step }: { step: Step }) {
  return (
    <Group gap="xs">
      <Title order={4} size="h5">
        {step.id}
      </Title>
      <Text size="sm" c="dimmed">
        {step.type}
      </Text>
      <StatusBadge status={step.status} label={`Step ${step.id}`} />
    </Group>
  );
}

function StepBody({ step, forEach }: { step: Step; forEach: boolean }) {
  const items = forEach && Array.isArray(step.output) ? step.output.map((output, index) => ({ index, output })) : undefined;
  return (
    <Stack gap={6} mt={4}>
      <Text size="sm">
        {step.attempts === 1 ? '1 attempt' : `${step.attempts} attempts`} · started {formatDateTime(step.startedAt)} · finished {formatDateTime(step.finishedAt)} · took{' '}
        {formatDuration(durationBetween(step.startedAt, step.finishedAt))}
        {forEach && ' · runs once per item'}
      </Text>
      {step.error && (
        <Alert color="red" variant="light" title={`Error (${step.error.class})`} p="xs" role="note">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {step.error.message}
          </Text>
        </Alert>
      )}
      {items ? (
        <details>
          <Text component="summary" size="sm" fw={500} style={{ cursor: 'pointer', width: 'fit-content' }}>
            {items.length === 1 ? '1 item' : `${items.length} items`}
          </Text>
          <DataTable caption={`Items of step ${step.id}, each with its output`} columns={itemColumns} rows={items} rowKey={(i) => String(i.index)} empty="No items." />
        </details>
      ) : (
        step.output !== null && step.output !== undefined && <JsonBlock label="Output" value={step.output} />
      )}
      {!items && storedFileKey(step.output) && <FileLinkButton fileKey={storedFileKey(step.output)!} label={`step ${step.id}`} />}
    </Stack>
  );
}
