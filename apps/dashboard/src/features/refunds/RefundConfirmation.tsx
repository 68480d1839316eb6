import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import type { RefundPreview } from '@visapi/contracts';
import type { ReactNode } from 'react';
import { formatMoney, formatTime } from '../../lib/format';
import { FocusedHeading } from './FocusedHeading';
import { REASON_LABELS } from './labels';

interface RefundConfirmationProps {
  preview: RefundPreview;
  onConfirm: () => void;
  onBack: () => void;
  pending: boolean;
  /** A failed attempt, shown above the buttons (confirming again is safe: same idempotency key). */
  children?: ReactNode;
}

/** Step 3: what will happen, as the API previewed it, and the one button that does it. */
export function RefundConfirmation({ preview, onConfirm, onBack, pending, children }: RefundConfirmationProps) {
  const money = (amount: number) => formatMoney(amount, preview.currency);
  const { charge } = preview;
  const remaining = charge ? charge.amount - charge.amountRefunded : null;
  const rows: Array<[string, ReactNode]> = [
    ['Charge', <code key="c">{preview.chargeId}</code>],
    ['Customer', charge?.customer ?? '—'],
    ['Charge amount', charge ? money(charge.amount) : '—'],
    ['Already refunded', charge ? money(charge.amountRefunded) : '—'],
    ['This refund', <strong key="a">{money(preview.amount)}</strong>],
    ['Reason', REASON_LABELS[preview.reason]],
    ['Note', preview.note ?? '—'],
  ];

  return (
    <Stack maw={560}>
      <Group gap="sm">
        <FocusedHeading>Confirm the refund</FocusedHeading>
        {preview.sandbox && (
          <Badge color="yellow" variant="light">
            Sandbox
          </Badge>
        )}
      </Group>
      <Text>
        Refund <strong>{money(preview.amount)}</strong> of charge <code>{preview.chargeId}</code>
        {remaining !== null && preview.amount === remaining ? ': everything not yet refunded.' : '.'}
      </Text>
      {preview.sandbox && (
        <Text size="sm" c="dimmed">
          Sandbox (no Stripe key configured): the refund is recorded and kept in the outbox; nothing is sent to Stripe.
        </Text>
      )}
      <Table withTableBorder variant="vertical" aria-label="What will happen">
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row" w={180}>{label}</Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed">
        This confirmation is valid until {formatTime(preview.expiresAt)}. The refund is recorded in the audit log under your name.
      </Text>
      {children}
      <Group>
        <Button variant="default" onClick={onBack} disabled={pending}>
          Back
        </Button>
        <Button color="red" onClick={onConfirm} loading={pending} disabled={pending}>
          Confirm refund
        </Button>
      </Group>
    </Stack>
  );
}
