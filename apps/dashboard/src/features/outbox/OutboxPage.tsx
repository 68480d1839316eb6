import { Badge, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import type { OutboxMessage } from '@visapi/contracts';
import { useState } from 'react';
import { useOutbox } from '../../api/outbox';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { PageDescription, PageTitle } from '../../frames/PageFrame';
import { formatDateTime } from '../../lib/format';

const CONNECTORS = [
  { value: '', label: 'All' },
  { value: 'whatsapp.send', label: 'WhatsApp' },
  { value: 'slack.send', label: 'Slack' },
  { value: 'email.send', label: 'E-mail' },
  { value: 'stripe.refund', label: 'Stripe refunds' },
];

const columns: Column<OutboxMessage>[] = [
  { key: 'when', header: 'When', render: (m) => formatDateTime(m.createdAt) },
  { key: 'connector', header: 'Connector', render: (m) => <Badge variant="light">{m.connector}</Badge> },
  { key: 'to', header: 'To', render: (m) => m.recipient },
  { key: 'message', header: 'Message', render: (m) => <MessageText message={m} /> },
];

/** What sandboxed connectors would have sent (no credentials configured), live. */
export function OutboxPage() {
  const [connector, setConnector] = useState('');
  const outbox = useOutbox(connector || undefined);
  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle path="/outbox" />
        <SegmentedControl aria-label="Connector" value={connector} onChange={setConnector} data={CONNECTORS} />
      </Group>
      <PageDescription path="/outbox" />
      <QueryState query={outbox.query} what="the outbox">
        {() => (
          <DataTable
            caption="Sandboxed messages, newest first"
            columns={columns}
            rows={outbox.items}
            rowKey={(m) => m.id}
            empty="No sandboxed messages."
            hasMore={outbox.hasMore}
            onLoadMore={outbox.loadMore}
            isLoadingMore={outbox.isLoadingMore}
          />
        )}
      </QueryState>
    </Stack>
  );
}

function MessageText({ message }: { message: OutboxMessage }) {
  const { subject, text } = message.payload as { subject?: string; text?: string };
  return (
    <Stack gap={2}>
      {subject && <Text fw={500} size="sm" dir="auto">{subject}</Text>}
      <Text size="sm" dir="auto" style={{ whiteSpace: 'pre-wrap' }}>
        {text ?? JSON.stringify(message.payload)}
      </Text>
    </Stack>
  );
}
