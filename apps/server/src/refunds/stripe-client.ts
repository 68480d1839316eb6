import { callProvider, type ProviderResponse, readBody, retryAfterMs } from '../connectors/provider-http';
import { retryDelayMs } from '../engine/backoff';
import { StepError } from '../engine/errors';

export interface StripeCharge {
  id: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  refunded: boolean;
  receipt_email?: string | null;
  billing_details?: { email?: string | null } | null;
}

export interface StripeRefund {
  id: string;
  amount: number;
  charge: string;
  currency: string;
  status: string;
}

/** Stripe answered a 4xx: its refusal, as it gave it. */
export class StripeRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Stripe could not be reached, timed out, or answered 429/5xx on every attempt. */
export class StripeUnavailable extends Error {}

export interface StripeClientOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Waits between attempts: exponential with jitter from `baseDelayMs`, Retry-After honoured up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The two Stripe calls refunds need (PROVIDERS.md): GET /v1/charges/{id} and a form-encoded
 * POST /v1/refunds with an Idempotency-Key. 429, 5xx, timeouts and connection failures are
 * retried a bounded number of times under the same key (Stripe then replays the first result
 * instead of refunding twice); any other 4xx is Stripe's refusal, never retried.
 */
export class StripeClient {
  private readonly base: string;

  constructor(private readonly options: StripeClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  getCharge(chargeId: string): Promise<StripeCharge> {
    return this.call<StripeCharge>('GET', `/v1/charges/${encodeURIComponent(chargeId)}`);
  }

  createRefund(form: URLSearchParams, idempotencyKey: string): Promise<StripeRefund> {
    return this.call<StripeRefund>('POST', '/v1/refunds', form, { 'idempotency-key': idempotencyKey });
  }

  private async call<T>(method: string, path: string, body?: URLSearchParams, headers: Record<string, string> = {}): Promise<T> {
    const what = `Stripe ${method} ${path.replace(/\/(ch|py)_[^/]+$/, '/{id}')}`;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      let wait: number | undefined;
      try {
        const response = await callProvider(what, `${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.options.apiKey}`, 'stripe-version': '2024-06-20', ...headers },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (response.ok) return (await readBody(response)) as T;
        const failure = await stripeError(response);
        // 409 idempotency_key_in_use: Stripe is still working on this key (our earlier attempt timed
        // out): not a refusal — the refund may yet be made — so ask again under the same key.
        const retryable = response.status === 429 || response.status === 409 || response.status >= 500;
        if (!retryable) throw new StripeRefusal(response.status, failure.code, failure.type, failure.message);
        lastProblem = `HTTP ${response.status}: ${failure.message}`;
        wait = response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      } catch (error) {
        if (!(error instanceof StepError)) throw error;
        lastProblem = error.errorClass === 'cancelled' ? `no answer within ${this.options.timeoutMs} ms` : error.message;
      }
      if (attempt < this.options.maxAttempts) await delay(this.backoff(attempt, wait));
    }
    throw new StripeUnavailable(`${what} failed after ${this.options.maxAttempts} attempts (${lastProblem})`);
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    const maxMs = this.options.maxDelayMs ?? 5_000;
    const base = retryDelayMs(attempt, undefined, { baseMs: this.options.baseDelayMs ?? 250, maxMs, jitter: 0.5 });
    return Math.min(maxMs, Math.max(base, retryAfter ?? 0));
  }
}

async function stripeError(response: ProviderResponse): Promise<{ code?: string; type?: string; message: string }> {
  const body = await readBody(response, 16 * 1024);
  const error = (body as { error?: { code?: unknown; type?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error === 'object') {
    return {
      code: typeof error.code === 'string' ? error.code : undefined,
      type: typeof error.type === 'string' ? error.type : undefined,
      message: typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
    };
  }
  return { message: `HTTP ${response.status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}` };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
