import { Stack, Title } from '@mantine/core';
import { QueueHealth } from './QueueHealth';
import { RunActivity } from './RunActivity';
import { SystemHealth } from './SystemHealth';

/** The live state of the system: dependencies, queues, and the last hour of runs. */
export function OverviewPage() {
  return (
    <Stack gap="xl">
      <Title order={2}>Overview</Title>
      <SystemHealth />
      <QueueHealth />
      <RunActivity minutes={60} />
    </Stack>
  );
}
