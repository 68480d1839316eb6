import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { createKey } from './support/auth-helpers';
import { FakeStripe } from './support/providers/stripe-api';
import { runbook } from './support/runbook';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let sandbox: TestApp;
let stripe: FakeStripe;
let key: string;
let url: string;
let sandboxUrl: string;

async function listen(app: TestApp): Promise<string> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
}

beforeAll(async () => {
  infra = await createTestInfra();
  stripe = await new FakeStripe().start();
  const shared = { FILE_SIGNING_KEY: 'runbook-stripe-signing-key-0123456789abcdef' };
  t = await createTestApp(infra, { env: { ...shared, STRIPE_API_KEY: stripe.key!, STRIPE_API_URL: stripe.base } });
  sandbox = await createTestApp(infra, { role: 'gateway', env: shared });
  [url, sandboxUrl] = await Promise.all([listen(t), listen(sandbox)]);
  await Promise.all([t.app.get(ApiKeysService).ready, sandbox.app.get(ApiKeysService).ready]);
  key = (await createKey(t, ['manage_refunds', 'read_logs', 'read_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await sandbox?.close();
  await t?.close();
  await stripe?.stop();
  await infra?.cleanup();
});

const book = runbook('stripe-refund-failure.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: key }));

const post = (app: TestApp, path: string, payload: object) => app.app.inject({ method: 'POST', url: path, payload, headers: { 'x-api-key': key } });

describe('runbook: Stripe refund failure', () => {
  it('a refusal and a 502 are found in the list and the audit trail; the charge is checked; the same confirmation is resubmitted once Stripe is back', async () => {
    const charge = stripe.charge(5_000);
    // Two previews of the whole amount, a partial refund in between: the first is refused by Stripe.
    const whole = (await post(t, '/api/v1/refunds/preview', { chargeId: charge.id, reason: 'duplicate' })).json();
    const partial = (await post(t, '/api/v1/refunds/preview', { chargeId: charge.id, amount: 1_000, reason: 'duplicate' })).json();
    expect((await post(t, '/api/v1/refunds', { chargeId: charge.id, amount: 1_000, reason: 'duplicate', confirmationToken: partial.confirmationToken })).statusCode).toBe(201);
    const refused = await post(t, '/api/v1/refunds', { chargeId: charge.id, reason: 'duplicate', confirmationToken: whole.confirmationToken });
    expect(refused.json()).toMatchObject({ status: 422, stripeCode: 'amount_too_large', runbook: `${t.runtime.config.PUBLIC_URL}/docs/runbooks/stripe-refund-failure.md` });
    // A 502: Stripe answers 503 on every attempt.
    const later = (await post(t, '/api/v1/refunds/preview', { chargeId: charge.id, amount: 1_500, reason: 'requested_by_customer' })).json();
    stripe.failNext(...Array.from({ length: 3 }, () => ({ status: 503, body: { error: { type: 'api_error', message: 'Service unavailable' } } })));
    expect((await post(t, '/api/v1/refunds', { chargeId: charge.id, amount: 1_500, reason: 'requested_by_customer', confirmationToken: later.confirmationToken })).statusCode).toBe(502);

    const list = await book.run('list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`succeeded ${charge.id} 1000 usd re_\\w+ by `));

    // The audit rows are written in batches: wait until the 502 is there.
    await expect.poll(async () => (await book.run('audit', { chargeId: charge.id })).stdout, { timeout: 10_000 }).toContain('result=unavailable');
    const audit = await book.run('audit', { chargeId: charge.id });
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toContain('refund.failed result=refused amount=5000 code=amount_too_large Refund amount ($50.00) is greater than unrefunded amount on charge ($40.00)');
    expect(audit.stdout).toMatch(/refund\.created result=succeeded amount=1000/);

    const before = await book.run('charge', { chargeId: charge.id });
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ charge: { amount: 5_000, amountRefunded: 1_000 }, amount: 4_000, sandbox: false });

    const retry = await book.run('retry', { chargeId: charge.id, amount: '1500', reason: 'requested_by_customer', confirmationToken: later.confirmationToken });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/"amount":1500[\s\S]*HTTP 201/);
    const again = await book.run('retry', { chargeId: charge.id, amount: '1500', reason: 'requested_by_customer', confirmationToken: later.confirmationToken });
    expect(again.stdout).toContain('HTTP 200');
    expect(charge.amount_refunded).toBe(2_500);
  });

  it('sandbox refunds are listed from the outbox', async () => {
    const previewed = (await post(sandbox, '/api/v1/refunds/preview', { chargeId: 'ch_runbooksandbox', amount: 700, reason: 'duplicate' })).json();
    expect(previewed.sandbox).toBe(true);
    expect((await post(sandbox, '/api/v1/refunds', { chargeId: 'ch_runbooksandbox', amount: 700, reason: 'duplicate', confirmationToken: previewed.confirmationToken })).statusCode).toBe(201);
    const outbox = await book.run('outbox', {}, { VISAPI_URL: sandboxUrl });
    expect(outbox.code, outbox.stderr).toBe(0);
    expect(outbox.stdout).toMatch(/ch_runbooksandbox 700 usd duplicate/);
  });
});
