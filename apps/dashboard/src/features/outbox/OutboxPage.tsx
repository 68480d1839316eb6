import { Alert, Badge, Button, Group, SegmentedControl, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import type { OutboxMessage } from '@visapi/contracts';
import { useState } from 'react';
import { useOutbox } from '../../api/outbox';

const CONNECTORS = [
  { value: '', label: 'All' },
  { value: 'whatsapp.send', label: 'WhatsApp' },
  { value: 'slack.send', label: 'Slack' },
  { value: 'email.send', label: 'E-mail' },
];

/** What sandboxed connectors would have sent (no credentials configured), live. */
export function OutboxPage() {
  const [connector, setConnector] = useState('');
  const outbox = useOutbox(connector || undefined);
  const messages = outbox.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Outbox</Title>
        <SegmentedControl aria-label="Connector" value={connector} onChange={setConnector} data={CONNECTORS} />
      </Group>
      <Text c="dimmed" size="sm">
        Connectors without credentials run in sandbox mode: each message is rendered exactly as it would be sent and kept here instead.
      </Text>
      {outbox.isPending && <Skeleton height={120} aria-label="Loading the outbox" />}
      {outbox.error && <Alert color="red" title="Cannot load the outbox">{outbox.error.message}</Alert>}
      {outbox.data && messages.length === 0 && <Text c="dimmed">No sandboxed messages.</Text>}
      {messages.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Connector</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Message</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {messages.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>{new Date(m.createdAt).toLocaleString()}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{m.connector}</Badge>
                </Table.Td>
                <Table.Td>{m.recipient}</Table.Td>
                <Table.Td>
                  <MessageText message={m} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {outbox.hasNextPage && (
        <Button variant="default" onClick={() => void outbox.fetchNextPage()} loading={outbox.isFetchingNextPage}>
          Older messages
        </Button>
      )}
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
