import { Stack, Title } from '@mantine/core';
import { SystemHealth } from '../features/overview/SystemHealth';

export function OverviewPage() {
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <SystemHealth />
    </Stack>
  );
}
