import { Button, Paper, Stack, Text } from '@mantine/core';
import type { CreatedRefund } from '../../api/refunds';
import { StatusBadge } from '../../components/StatusBadge';
import { formatMoney } from '../../lib/format';
import { FocusedHeading } from './FocusedHeading';

/** Step 4: what Stripe answered (role=status: announced when it appears). */
export function RefundResult({ created: { refund, replayed }, onAgain }: { created: CreatedRefund; onAgain: () => void }) {
  const amount = formatMoney(refund.amount, refund.currency);
  return (
    <Stack maw={560}>
      <Paper withBorder p="md" role="status">
        <Stack gap="xs">
          <FocusedHeading>{replayed ? 'Already done' : refund.status === 'sandbox' ? 'Refund kept in the sandbox' : 'Refund made'}</FocusedHeading>
          <Text>
            {replayed ? 'This confirmation had already been used: ' : ''}
            {amount} of charge <code>{refund.chargeId}</code>
            {replayed ? ' was refunded once; no second refund was made.' : refund.status === 'sandbox' ? ' is in the outbox; nothing was sent to Stripe.' : ' refunded.'}
          </Text>
          <Text size="sm">
            Stripe refund id: {refund.stripeRefundId ? <code>{refund.stripeRefundId}</code> : 'none (sandbox)'}
          </Text>
          <Text size="sm" component="div">
            Status: <StatusBadge status={refund.status} label="Refund status" />
          </Text>
        </Stack>
      </Paper>
      <Button variant="default" onClick={onAgain} w="fit-content">
        Refund another charge
      </Button>
    </Stack>
  );
}
