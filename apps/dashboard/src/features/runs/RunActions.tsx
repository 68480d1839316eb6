import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { Run } from '@visapi/contracts';
import { useState } from 'react';
import { useCancelRun, useRetryRun } from '../../api/runs';
import { ErrorAlert } from '../../components/QueryState';
import { useCan } from '../../hooks/useCan';

const RETRYABLE: ReadonlySet<Run['status']> = new Set(['dead', 'cancelled', 'failed']);
const CANCELLABLE: ReadonlySet<Run['status']> = new Set(['queued', 'running', 'failed']);

/** Retry and Cancel, for operators; the server decides (409 when the run has moved on meanwhile). */
export function RunActions({ run }: { run: Pick<Run, 'id' | 'status'> }) {
  const canOperate = useCan('operator');
  const retry = useRetryRun(run.id);
  const cancel = useCancelRun(run.id);
  const [confirming, setConfirming] = useState(false);
  if (!canOperate) return null;
  const shortId = run.id.slice(0, 8);
  return (
    <Stack gap="xs">
      <Group gap="sm">
        {RETRYABLE.has(run.status) && (
          <Button onClick={() => { cancel.reset(); retry.mutate(); }} loading={retry.isPending}>
            Retry
          </Button>
        )}
        {CANCELLABLE.has(run.status) && (
          <Button color="red" variant="outline" onClick={() => { retry.reset(); setConfirming(true); }} loading={cancel.isPending}>
            Cancel run
          </Button>
        )}
      </Group>
      {retry.isSuccess && (
        <Alert color="blue" role="status">
          Retry queued: the run resumes at its first unfinished step.
        </Alert>
      )}
      {retry.error && <ErrorAlert title="Cannot retry this run" error={retry.error} />}
      {cancel.error && <ErrorAlert title="Cannot cancel this run" error={cancel.error} />}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={`Cancel run ${shortId}?`}>
        <Text size="sm">No further step of this run will start, and a step in flight is aborted. You can retry a cancelled run later.</Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            Keep it
          </Button>
          <Button
            color="red"
            onClick={() => {
              setConfirming(false);
              cancel.mutate();
            }}
          >
            Cancel run
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
