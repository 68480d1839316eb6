import type { RefundReason } from '@visapi/contracts';

/** Stripe's three reasons, as an operator reads them. */
export const REASON_LABELS: Record<RefundReason, string> = {
  requested_by_customer: 'Requested by the customer',
  duplicate: 'Duplicate charge',
  fraudulent: 'Fraudulent charge',
};
