import { Stack, Title } from '@mantine/core';
import type { Refund } from '@visapi/contracts';
import { useRefunds } from '../../api/refunds';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDateTime, formatMoney } from '../../lib/format';
import { REASON_LABELS } from './labels';

const COLUMNS: Column<Refund>[] = [
  { key: 'when', header: 'When', render: (r) => <time dateTime={r.createdAt}>{formatDateTime(r.createdAt)}</time> },
  { key: 'charge', header: 'Charge', render: (r) => <code>{r.chargeId}</code> },
  { key: 'amount', header: 'Amount', numeric: true, render: (r) => formatMoney(r.amount, r.currency) },
  { key: 'reason', header: 'Reason', render: (r) => REASON_LABELS[r.reason] ?? r.reason },
  { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
  { key: 'stripe', header: 'Stripe refund', render: (r) => (r.stripeRefundId ? <code>{r.stripeRefundId}</code> : '—') },
  { key: 'note', header: 'Note', render: (r) => r.note ?? '—' },
];

/** Refunds made, newest first, a page at a time. */
export function RecentRefunds() {
  const refunds = useRefunds();
  return (
    <Stack gap="xs">
      <Title order={3}>Recent refunds</Title>
      <QueryState query={refunds.query} what="the refunds">
        {() => (
          <DataTable
            caption="Refunds, newest first"
            columns={COLUMNS}
            rows={refunds.items}
            rowKey={(r) => r.id}
            empty="No refunds yet."
            hasMore={refunds.hasMore}
            onLoadMore={refunds.loadMore}
            isLoadingMore={refunds.isLoadingMore}
          />
        )}
      </QueryState>
    </Stack>
  );
}
