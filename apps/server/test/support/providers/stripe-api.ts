import { FakeProvider, type ProviderRequest, type ProviderResponse } from './fake-provider';

export interface FakeCharge {
  id: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  receipt_email: string | null;
}

const stripeError = (status: number, type: string, message: string, code?: string): ProviderResponse => ({ status, body: { error: { type, message, ...(code ? { code } : {}) } } });

/**
 * Stripe's charges and refunds (PROVIDERS.md): bearer key checked, charges seeded with `charge()`,
 * refunds form-encoded with amount checks (`amount_too_large` with Stripe's message,
 * `charge_already_refunded`), and idempotency as Stripe keeps it: the same Idempotency-Key with
 * the same parameters replays the first answer with `Idempotent-Replayed: true`; with other
 * parameters → 400 `idempotency_error`. 429/5xx answers are scripted with `failNext` (they are
 * not remembered under the key, as Stripe does not keep failures that never executed).
 */
export class FakeStripe extends FakeProvider {
  /** The key the product must send as `Authorization: Bearer`; null takes any `sk_`/`rk_` key. */
  readonly key: string | null;
  readonly charges = new Map<string, FakeCharge>();
  readonly refunds: Array<{ id: string; charge: string; amount: number; reason?: string; metadata: Record<string, string> }> = [];
  private readonly idempotent = new Map<string, { params: string; answer: ProviderResponse }>();
  private seq = 0;

  constructor(key: string | null = 'rk_test_refunds') {
    super();
    this.key = key;
    this.on('GET', /^\/v1\/charges\/([^/]+)$/, (req, match) => this.authorized(req) ?? this.getCharge(decodeURIComponent(match[1]!)));
    this.on('POST', /^\/v1\/refunds$/, (req) => this.authorized(req) ?? this.idempotently(req, () => this.refund(req)));
  }

  /** Seeds a charge (amounts in minor units). */
  charge(amount: number, options: Partial<Omit<FakeCharge, 'id' | 'amount'>> = {}): FakeCharge {
    const charge = { id: `ch_test${++this.seq}${Date.now().toString(36)}`, amount, amount_refunded: 0, currency: 'usd', receipt_email: 'jane.doe@example.com', ...options };
    this.charges.set(charge.id, charge);
    return charge;
  }

  /** The POST /v1/refunds requests received, with their form and Idempotency-Key. */
  refundRequests(): Array<{ form: Record<string, string>; idempotencyKey: string | undefined }> {
    return this.requests
      .filter((r) => r.method === 'POST' && r.path === '/v1/refunds')
      .map((r) => ({ form: r.body as Record<string, string>, idempotencyKey: r.headers['idempotency-key'] as string | undefined }));
  }

  private authorized(req: ProviderRequest): ProviderResponse | undefined {
    const bearer = /^Bearer ((?:sk|rk)_\w+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer && (this.key === null || bearer === this.key)) return undefined;
    return stripeError(401, 'invalid_request_error', 'Invalid API Key provided: ****');
  }

  private getCharge(id: string): ProviderResponse {
    const charge = this.charges.get(id);
    if (!charge) return stripeError(404, 'invalid_request_error', `No such charge: '${id}'`, 'resource_missing');
    return { status: 200, body: { object: 'charge', paid: true, status: 'succeeded', refunded: charge.amount_refunded >= charge.amount, billing_details: { email: null }, ...charge } };
  }

  private idempotently(req: ProviderRequest, handle: () => ProviderResponse): ProviderResponse {
    const key = req.headers['idempotency-key'] as string | undefined;
    if (!key) return handle();
    const params = req.raw;
    const seen = this.idempotent.get(key);
    if (seen) {
      if (seen.params !== params) {
        return { status: 400, body: { error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } } };
      }
      return { ...seen.answer, headers: { ...seen.answer.headers, 'idempotent-replayed': 'true' } };
    }
    const answer = handle();
    this.idempotent.set(key, { params, answer });
    return answer;
  }

  private refund(req: ProviderRequest): ProviderResponse {
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return stripeError(400, 'invalid_request_error', 'Invalid request: send a form-encoded body.');
    const form = (req.body ?? {}) as Record<string, string>;
    const charge = form.charge ? this.charges.get(form.charge) : undefined;
    if (!charge) return stripeError(404, 'invalid_request_error', `No such charge: '${form.charge ?? ''}'`, 'resource_missing');
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) return stripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const amount = form.amount === undefined ? remaining : Number(form.amount);
    if (!Number.isInteger(amount) || amount <= 0) return stripeError(400, 'invalid_request_error', 'Invalid positive integer', 'parameter_invalid_integer');
    if (amount > remaining) {
      const money = (n: number) => (charge.currency === 'usd' ? `$${(n / 100).toFixed(2)}` : `${n} ${charge.currency}`);
      return stripeError(400, 'invalid_request_error', `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(remaining)})`, 'amount_too_large');
    }
    if (form.reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(form.reason)) return stripeError(400, 'invalid_request_error', 'Invalid reason', 'parameter_invalid_string');
    charge.amount_refunded += amount;
    const metadata = Object.fromEntries(Object.entries(form).filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
    const refund = { id: `re_test${++this.seq}`, charge: charge.id, amount, reason: form.reason, metadata };
    this.refunds.push(refund);
    return { status: 200, body: { object: 'refund', currency: charge.currency, status: 'succeeded', ...refund } };
  }
}

/**
 * The shape the dashboard's end-to-end test (e2e-refunds.test.ts) starts it with: seeded charges
 * under their own ids, any `sk_`/`rk_` key accepted, and every request with its parsed `form`.
 */
export async function startStripeApi(options: { charges: Array<Partial<FakeCharge> & { id: string; amount: number }> }) {
  const stripe = await new FakeStripe(null).start();
  for (const c of options.charges) stripe.charges.set(c.id, { amount_refunded: 0, currency: 'usd', receipt_email: null, ...c });
  return {
    url: stripe.base,
    stripe,
    get requests() {
      return stripe.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, form: (r.body ?? {}) as Record<string, string> }));
    },
    close: () => stripe.stop(),
  };
}
