import { Alert, Button, Group, Loader, Progress, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { DlqReplay } from '@visapi/contracts';
import { ErrorAlert } from '../../components/QueryState';
import { formatNumber } from '../../lib/format';

const runs = (n: number) => `${formatNumber(n)} ${n === 1 ? 'run' : 'runs'}`;

/** A bulk replay under way: a progress bar while it runs, then what it did. */
export function ReplayProgress({ progress, onDismiss }: { progress: UseQueryResult<DlqReplay>; onDismiss: () => void }) {
  const { data: replay, error, refetch } = progress;
  if (error && !replay) return <ErrorAlert title="Cannot follow the replay" error={error} onRetry={() => void refetch()} />;
  if (!replay) return <Loader size="sm" role="status" aria-label="Loading the replay" />;
  const id = replay.id;

  const { total, replayed, skipped } = replay;
  const dismiss = (
    <Button variant="default" size="compact-sm" onClick={onDismiss} w="fit-content">
      Dismiss
    </Button>
  );
  if (replay.status === 'finished') {
    return (
      <Alert color="green" title="Replay finished">
        <Stack gap="xs">
          <Text size="sm">
            {runs(replayed)} replayed{skipped > 0 ? `, ${formatNumber(skipped)} skipped (no longer dead when their turn came)` : ''}.
          </Text>
          {dismiss}
        </Stack>
      </Alert>
    );
  }
  if (replay.status === 'failed') {
    return (
      <Alert color="red" title="Replay failed">
        <Stack gap="xs">
          <Text size="sm">
            {replay.error ?? 'The replay stopped.'} {runs(replayed)} replayed and {formatNumber(skipped)} skipped before it stopped.
          </Text>
          {dismiss}
        </Stack>
      </Alert>
    );
  }

  const done = replayed + skipped;
  const percent = total ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const summary = total === null ? 'Counting the dead runs…' : `${formatNumber(done)} of ${runs(total)}: ${formatNumber(replayed)} replayed, ${formatNumber(skipped)} skipped`;
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500} id={`replay-${id}-label`}>
          Replaying dead runs
        </Text>
        <Text size="sm" c="dimmed">
          {summary}
        </Text>
      </Group>
      <Progress.Root size="lg">
        <Progress.Section
          value={total === null ? 100 : percent}
          striped={total === null}
          animated={total === null}
          withAria={false}
          role="progressbar"
          aria-labelledby={`replay-${id}-label`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={total === null ? undefined : percent}
          aria-valuetext={summary}
        />
      </Progress.Root>
    </Stack>
  );
}
