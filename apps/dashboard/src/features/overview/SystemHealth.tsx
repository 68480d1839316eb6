import { Alert, Badge, Card, Group, SimpleGrid, Text, Title } from '@mantine/core';
import type { HealthCheck } from '@visapi/contracts';
import { useHealth } from '../../api/health';

const LABELS = { database: 'PostgreSQL', redis: 'Redis' } as const;

/**
 * Live state of the dependencies, from /healthz, refreshed every 5 s. While the first answer
 * is on its way the cards are already there, the same size, so nothing below them moves.
 */
export function SystemHealth() {
  const { data, error, isPending } = useHealth();
  if (error) return <Alert color="red" title="Cannot reach VisAPI">{error.message}</Alert>;
  return (
    <section aria-labelledby="system-health-title" aria-busy={isPending}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="system-health-title">
          System health
        </Title>
        {isPending ? (
          <Badge color="gray">checking</Badge>
        ) : (
          <Badge color={data.status === 'ok' ? 'green' : data.status === 'draining' ? 'yellow' : 'red'}>{data.status}</Badge>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {(Object.keys(LABELS) as Array<keyof typeof LABELS>).map((name) => (
          <CheckCard key={name} label={LABELS[name]} check={data?.checks[name]} />
        ))}
      </SimpleGrid>
    </section>
  );
}

function CheckCard({ label, check }: { label: string; check: HealthCheck | undefined }) {
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Text fw={500}>{label}</Text>
        <Badge variant="light" color={check?.status === 'up' ? 'green' : check ? 'red' : 'gray'}>
          {check?.status ?? 'checking'}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" mt="xs">
        {!check ? 'Waiting for the first answer…' : check.status === 'up' ? `answered in ${check.latencyMs} ms` : (check.error ?? 'not answering')}
      </Text>
    </Card>
  );
}
