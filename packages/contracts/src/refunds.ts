import { z } from 'zod';
import { pageQuerySchema, pageSchema } from './pagination.js';

/** Stripe's refund reasons (SPEC §10); free text goes in `note`. */
export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

const chargeId = z.string().regex(/^(ch|py)_[A-Za-z0-9]{1,250}$/, 'must be a Stripe charge id (ch_…)');
/** An amount in the currency's minor unit (cents), as Stripe counts it: never a float. */
const minorUnits = z.number().int('must be an integer amount in minor units (cents)').positive().max(99_999_999);

/** `POST /api/v1/refunds/preview`: what the operator asks for. Without `amount`: the whole unrefunded rest. */
export const refundRequestSchema = z.strictObject({
  chargeId,
  amount: minorUnits.optional(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().trim().min(1).max(500).optional(),
});
export type RefundRequest = z.infer<typeof refundRequestSchema>;

/** `200` of the preview: what will happen, and the token that confirms exactly these values (10 minutes). */
export const refundPreviewSchema = z.object({
  chargeId: z.string(),
  /** The charge at Stripe (null in sandbox: nothing is looked up). */
  charge: z
    .object({
      amount: z.number().int(),
      amountRefunded: z.number().int(),
      currency: z.string(),
      /** The customer, redacted: `j***@example.com`. */
      customer: z.string().nullable(),
    })
    .nullable(),
  /** This refund's amount in minor units, and its currency (lower-case ISO 4217, as Stripe gives it). */
  amount: z.number().int(),
  currency: z.string(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().nullable(),
  sandbox: z.boolean(),
  confirmationToken: z.string(),
  expiresAt: z.string(),
});
export type RefundPreview = z.infer<typeof refundPreviewSchema>;

/** `POST /api/v1/refunds`: the previewed values and their confirmation token. */
export const createRefundSchema = refundRequestSchema.extend({ confirmationToken: z.string().min(1).max(2000) });
export type CreateRefund = z.infer<typeof createRefundSchema>;

export const REFUND_STATUSES = ['succeeded', 'pending', 'failed', 'canceled', 'sandbox'] as const;

/** A refund as the API answers it (`201`, the replay's `200`, and the list). */
export const refundSchema = z.object({
  id: z.uuid(),
  chargeId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().nullable(),
  /** Stripe's refund id (`re_…`); null in sandbox (kept in the outbox, never sent). */
  stripeRefundId: z.string().nullable(),
  status: z.enum(REFUND_STATUSES),
  actorId: z.uuid().nullable(),
  createdAt: z.string(),
});
export type Refund = z.infer<typeof refundSchema>;

export const refundsQuerySchema = pageQuerySchema;
export const refundsPageSchema = pageSchema(refundSchema);
