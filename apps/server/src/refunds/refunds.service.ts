import { Inject, Injectable } from '@nestjs/common';
import type { CreateRefund, Page, Refund, RefundPreview, RefundRequest } from '@visapi/contracts';
import { LogService } from '../logs/log-write.service';
import { OutboxService } from '../outbox/outbox.service';
import type { Config } from '../platform/config/config';
import { keyset } from '../platform/http/cursor';
import { actor, type Principal } from '../platform/http/principal';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import { serverSigningSecret } from '../storage/create-storage';
import { type Confirmation, ConfirmationSigner, noteHash } from './confirmation';
import { type RefundRow, RefundsRepository } from './refunds.repository';
import { type StripeCharge, StripeClient, StripeRefusal, StripeUnavailable } from './stripe-client';

export const CONFIRMATION_TTL_MS = 10 * 60_000;
/** Sandbox previews look nothing up, so no charge says its currency: refunds are in US dollars (ADR 0012). */
export const SANDBOX_CURRENCY = 'usd';
/** The runbook a refund problem links to, under RUNBOOK_BASE_URL (the gateway serves docs/runbooks). */
export const REFUND_RUNBOOK_FILE = 'stripe-refund-failure.md';

type RefundsConfig = Pick<Config, 'STRIPE_API_KEY' | 'STRIPE_API_URL' | 'STRIPE_TIMEOUT_MS' | 'STRIPE_MAX_ATTEMPTS' | 'FILE_SIGNING_KEY' | 'dataDir' | 'RUNBOOK_BASE_URL'>;

/**
 * Operator refunds (SPEC §10): a preview that looks the charge up and signs a confirmation of
 * exactly what it showed, and the refund that confirmation allows — once, whatever the number
 * of clicks, tabs or retries (the confirmation's digest is unique; Stripe gets an
 * Idempotency-Key derived from it). Without STRIPE_API_KEY refunds are kept in the outbox.
 */
@Injectable()
export class RefundsService {
  private readonly stripe: StripeClient | undefined;
  private readonly signer: ConfirmationSigner;
  private readonly runbook: string;
  /** The clock, replaceable by tests that need a confirmation to expire. */
  now = () => Date.now();

  constructor(
    @Inject(CONFIG) config: RefundsConfig,
    private readonly repository: RefundsRepository,
    private readonly outbox: OutboxService,
    private readonly logs: LogService,
  ) {
    this.signer = new ConfirmationSigner(serverSigningSecret(config));
    this.runbook = new URL(REFUND_RUNBOOK_FILE, config.RUNBOOK_BASE_URL).href;
    this.stripe = config.STRIPE_API_KEY
      ? new StripeClient({ apiUrl: config.STRIPE_API_URL, apiKey: config.STRIPE_API_KEY, timeoutMs: config.STRIPE_TIMEOUT_MS, maxAttempts: config.STRIPE_MAX_ATTEMPTS })
      : undefined;
  }

  get sandbox(): boolean {
    return !this.stripe;
  }

  async preview(request: RefundRequest, by: Principal): Promise<RefundPreview> {
    const note = request.note ?? null;
    let charge: StripeCharge | undefined;
    let amount: number;
    if (!this.stripe) {
      if (request.amount === undefined) {
        throw new ProblemException('validation', 'Refunds run in sandbox (no STRIPE_API_KEY): no charge is looked up, so the amount is required.', [{ path: '$.amount', message: 'required in sandbox' }]);
      }
      amount = request.amount;
    } else {
      charge = await this.stripeCall(() => this.stripe!.getCharge(request.chargeId), request, by, 'refund.preview_failed');
      amount = request.amount ?? charge.amount - charge.amount_refunded;
      this.refuseImpossible(request, charge, amount, by);
    }
    const currency = charge?.currency ?? SANDBOX_CURRENCY;
    const expiresAt = this.now() + CONFIRMATION_TTL_MS;
    const confirmationToken = this.signer.sign({
      chargeId: request.chargeId, requested: request.amount ?? null, amount, currency, reason: request.reason, note, actorId: by.id, sandbox: this.sandbox, expiresAt,
    });
    this.audit('refund.previewed', by, { chargeId: request.chargeId, amount, currency, reason: request.reason, note, sandbox: this.sandbox, result: 'previewed' });
    return {
      chargeId: request.chargeId,
      charge: charge ? { amount: charge.amount, amountRefunded: charge.amount_refunded, currency: charge.currency, customer: redactEmail(charge.billing_details?.email ?? charge.receipt_email ?? null) } : null,
      amount,
      currency,
      reason: request.reason,
      note,
      sandbox: this.sandbox,
      confirmationToken,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** The refund a confirmation allows: `replayed` when this confirmation had already made it. */
  async create(request: CreateRefund, by: Principal): Promise<{ refund: Refund; replayed: boolean }> {
    const confirmation = this.signer.verify(request.confirmationToken);
    if (!confirmation) throw unprocessable('The confirmation token is not one this server issued: preview the refund again.');
    const differs = mismatch(confirmation, request, by);
    if (differs.length > 0) {
      throw new ProblemException('unprocessable', `The confirmation token was issued for other values (${differs.join(', ')}): preview the refund again.`, differs.map((field) => ({ path: `$.${field}`, message: 'differs from the previewed value' })));
    }
    const digest = this.signer.digest(request.confirmationToken);
    const expired = confirmation.expiresAt <= this.now();
    if (expired || confirmation.sandbox !== this.sandbox) {
      // A confirmation that already made its refund is replayed whatever its age (SPEC §10).
      const made = await this.repository.findByDigest(digest);
      if (made) return { refund: toRefund(made), replayed: true };
      throw unprocessable(
        expired
          ? 'The confirmation expired (confirmations are valid 10 minutes): preview the refund again.'
          : 'The confirmation was previewed in another mode (sandbox or live): preview the refund again.',
      );
    }

    const idempotencyKey = this.signer.idempotencyKey(digest);
    const values = { chargeId: confirmation.chargeId, amount: confirmation.amount, currency: confirmation.currency, reason: confirmation.reason, note: request.note ?? null };
    const form = new URLSearchParams({ charge: values.chargeId, amount: String(values.amount), reason: values.reason, 'metadata[actor_id]': by.id });
    if (values.note) form.set('metadata[note]', values.note);
    const claim = await this.repository.claim({ ...values, actorId: by.id, confirmationDigest: digest, idempotencyKey, sandbox: this.sandbox }, async () => {
      if (!this.stripe) {
        await this.outbox.record({ connector: 'stripe.refund', runId: null, stepId: null, recipient: values.chargeId, payload: { ...Object.fromEntries(form), currency: values.currency, idempotencyKey } });
        return { status: 'sandbox', stripeRefundId: null };
      }
      const made = await this.stripeCall(() => this.stripe!.createRefund(form, idempotencyKey), values, by, 'refund.failed');
      return { status: refundStatus(made.status), stripeRefundId: made.id };
    });
    const refund = toRefund(claim.row);
    if (claim.created) {
      this.audit('refund.created', by, { ...values, refundId: refund.id, stripeRefundId: refund.stripeRefundId, sandbox: this.sandbox, result: refund.status });
    }
    return { refund, replayed: !claim.created };
  }

  async list(limit: number, cursor?: string): Promise<Page<Refund>> {
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.list(take, after), toRefund);
  }

  /** What Stripe itself would refuse, said at the preview already (with Stripe's codes), so the operator never confirms it. */
  private refuseImpossible(request: RefundRequest, charge: StripeCharge, amount: number, by: Principal) {
    const remaining = charge.amount - charge.amount_refunded;
    const refuse = (stripeCode: string, message: string) => {
      this.audit('refund.preview_failed', by, { chargeId: request.chargeId, amount, currency: charge.currency, reason: request.reason, result: 'refused', stripeCode });
      return new ProblemException('providerRefused', message, undefined, {}, { stripeCode, runbook: this.runbook });
    };
    if (charge.refunded || remaining <= 0) throw refuse('charge_already_refunded', `Charge ${charge.id} has already been refunded.`);
    if (amount > remaining) throw refuse('amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`);
  }

  /** A Stripe call: its refusal → 422 with Stripe's message and code, unreachable → 502; both audited. */
  private async stripeCall<T>(call: () => Promise<T>, values: Pick<RefundRequest, 'chargeId' | 'amount' | 'reason'> & { currency?: string }, by: Principal, action: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const base = { chargeId: values.chargeId, amount: values.amount ?? null, currency: values.currency ?? null, reason: values.reason };
      if (error instanceof StripeRefusal) {
        const stripeCode = error.code ?? error.type ?? 'unknown';
        this.audit(action, by, { ...base, result: 'refused', stripeCode, stripeMessage: error.message });
        throw new ProblemException('providerRefused', error.message, undefined, {}, { stripeCode, runbook: this.runbook });
      }
      if (error instanceof StripeUnavailable) {
        this.audit(action, by, { ...base, result: 'unavailable', error: error.message });
        throw new ProblemException('badGateway', `Stripe could not be reached or kept failing; nothing was refunded twice — the same confirmation can be submitted again. (${error.message})`, undefined, {}, { runbook: this.runbook });
      }
      throw error;
    }
  }

  private audit(action: string, by: Principal, details: Record<string, unknown>) {
    const who = actor(by);
    this.logs.audit({ actorId: who.actorId, action, target: `charge:${String(details.chargeId)}`, details: { actorType: who.actorType, ...details } });
  }
}

function mismatch(c: Confirmation, request: CreateRefund, by: Principal): string[] {
  const fields: string[] = [];
  if (c.chargeId !== request.chargeId) fields.push('chargeId');
  if (c.requested !== (request.amount ?? null)) fields.push('amount');
  if (c.reason !== request.reason) fields.push('reason');
  if (c.noteHash !== noteHash(request.note ?? null)) fields.push('note');
  if (c.actorId !== by.id) fields.push('actor');
  return fields;
}

const unprocessable = (detail: string) => new ProblemException('unprocessable', detail);

/** Stripe's refund statuses as ours; `requires_action` is still pending. */
function refundStatus(status: string): Refund['status'] {
  return status === 'succeeded' || status === 'failed' || status === 'canceled' ? status : 'pending';
}

/** `jane@example.com` → `j***@example.com`. */
export function redactEmail(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    chargeId: row.charge_id,
    amount: Number(row.amount),
    currency: row.currency,
    reason: row.reason,
    note: row.note,
    stripeRefundId: row.stripe_refund_id,
    status: row.status,
    actorId: row.actor_id,
    createdAt: row.created_at.toISOString(),
  };
}
