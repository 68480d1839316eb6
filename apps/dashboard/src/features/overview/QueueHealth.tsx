import { Group, Title } from '@mantine/core';
import { QUEUE_NAMES, type Queues } from '@visapi/contracts/queues';
import { useQueues } from '../../api/queues';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { formatNumber } from '../../lib/format';
import { LiveBadge } from '../runs/LiveBadge';

type QueueRow = Queues['queues'][number];

const count = (q: QueueRow, ...states: Array<keyof QueueRow['counts']>) => states.reduce((sum, s) => sum + (q.counts[s] ?? 0), 0);

const columns: Column<QueueRow>[] = [
  { key: 'name', header: 'Queue', render: (q) => q.name },
  // Prioritized jobs wait too (BullMQ keeps them apart only to order them).
  { key: 'waiting', header: 'Waiting', numeric: true, render: (q) => formatNumber(count(q, 'waiting', 'prioritized')) },
  { key: 'active', header: 'Active', numeric: true, render: (q) => formatNumber(count(q, 'active')) },
  { key: 'delayed', header: 'Delayed', numeric: true, render: (q) => formatNumber(count(q, 'delayed')) },
  { key: 'failed', header: 'Failed', numeric: true, render: (q) => formatNumber(count(q, 'failed')) },
  { key: 'workers', header: 'Workers online', numeric: true, render: (q) => formatNumber(q.workers) },
];

/** Until the first answer: every queue's row, its numbers dashes, so the table keeps its height. */
const loadingColumns: Column<string>[] = columns.map(({ key, header, numeric }) => ({ key, header, numeric, render: (name) => (key === 'name' ? name : '—') }));

/** Jobs per queue and state, and the workers consuming each queue, live. */
export function QueueHealth() {
  const queues = useQueues();
  return (
    <section aria-labelledby="queue-health-title" aria-busy={queues.isPending}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="queue-health-title">
          Queues
        </Title>
        <LiveBadge />
      </Group>
      {queues.isPending ? (
        <DataTable caption="Jobs per queue and state, loading" columns={loadingColumns} rows={[...QUEUE_NAMES]} rowKey={(name) => name} />
      ) : (
        <QueryState query={queues} what="the queues">
          {(data) => <DataTable caption="Jobs per queue and state, and workers online" columns={columns} rows={data.queues} rowKey={(q) => q.name} />}
        </QueryState>
      )}
    </section>
  );
}
