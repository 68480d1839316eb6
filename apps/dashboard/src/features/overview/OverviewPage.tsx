import { Stack } from '@mantine/core';
import { QueueHealth } from './QueueHealth';
import { RunActivity } from './RunActivity';
import { SystemHealth } from './SystemHealth';
import { PageTitle } from '../../frames/PageFrame';

/** The live state of the system: dependencies, queues, and the last hour of runs. */
export function OverviewPage() {
  return (
    <Stack gap="xl">
      <PageTitle path="/" />
      <SystemHealth />
      <QueueHealth />
      <RunActivity minutes={60} />
    </Stack>
  );
}
