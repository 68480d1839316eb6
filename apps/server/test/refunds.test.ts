import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { RefundsService } from '../src/refunds/refunds.service';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { FakeStripe } from './support/providers/stripe-api';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let sandbox: TestApp;
let stripe: FakeStripe;
let key: { id: string; key: string };
let operator: Record<string, string>;
let operatorId: string;

/** The refund problem's link: under RUNBOOK_BASE_URL, by default the gateway's own /docs/runbooks/. */
let RUNBOOK: string;

beforeAll(async () => {
  infra = await createTestInfra();
  stripe = await new FakeStripe().start();
  // Both share one signing secret, as gateways do (FILE_SIGNING_KEY).
  const shared = { FILE_SIGNING_KEY: 'refunds-test-signing-key-0123456789abcdef' };
  t = await createTestApp(infra, { env: { ...shared, STRIPE_API_KEY: stripe.key!, STRIPE_API_URL: stripe.base, STRIPE_TIMEOUT_MS: '2000' } });
  sandbox = await createTestApp(infra, { role: 'gateway', env: shared });
  RUNBOOK = `${t.runtime.config.PUBLIC_URL}/docs/runbooks/stripe-refund-failure.md`;
  await Promise.all([t.app.get(ApiKeysService).ready, sandbox.app.get(ApiKeysService).ready]);
  key = await createKey(t, ['manage_refunds'], { rateLimit: { burst: 10_000, perSecond: 1_000 } });
  const session = await signIn(t, 'operator@visa.example', 'operator');
  operator = sessionHeaders(session.cookie);
  operatorId = session.userId;
});
afterAll(async () => {
  await sandbox?.close();
  await t?.close();
  await stripe?.stop();
  await infra?.cleanup();
});

const db = () => t.runtime.database.db;
type Body = Record<string, unknown>;
const post = (url: string, payload: Body, headers: Record<string, string> = { 'x-api-key': key.key }, app = t) => app.app.inject({ method: 'POST', url, payload, headers });
const preview = (payload: Body, headers?: Record<string, string>, app = t) => post('/api/v1/refunds/preview', payload, headers, app);
const create = (payload: Body, headers?: Record<string, string>, app = t) => post('/api/v1/refunds', payload, headers, app);

/** Preview then confirm with the token, as the dashboard does. */
async function refund(payload: Body, headers?: Record<string, string>) {
  const previewed = await preview(payload, headers);
  expect(previewed.statusCode, previewed.body).toBe(200);
  return { previewed: previewed.json(), res: await create({ ...payload, confirmationToken: previewed.json().confirmationToken }, headers) };
}

describe('preview and refund against Stripe', () => {
  it('a full refund: the preview shows the charge and the redacted customer; the refund is made with an Idempotency-Key', async () => {
    const charge = stripe.charge(12_345);
    const { previewed, res } = await refund({ chargeId: charge.id, reason: 'requested_by_customer', note: 'visa refused' });
    expect(previewed).toMatchObject({
      chargeId: charge.id,
      charge: { amount: 12_345, amountRefunded: 0, currency: 'usd', customer: 'j***@example.com' },
      amount: 12_345,
      currency: 'usd',
      reason: 'requested_by_customer',
      note: 'visa refused',
      sandbox: false,
    });
    expect(Date.parse(previewed.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.json()).toMatchObject({ chargeId: charge.id, amount: 12_345, currency: 'usd', status: 'succeeded', actorId: key.id, note: 'visa refused' });
    expect(res.json().stripeRefundId).toMatch(/^re_/);
    const [sent] = stripe.refundRequests().filter((r) => r.form.charge === charge.id);
    expect(sent!.form).toEqual({ charge: charge.id, amount: '12345', reason: 'requested_by_customer', 'metadata[actor_id]': key.id, 'metadata[note]': 'visa refused' });
    expect(sent!.idempotencyKey).toMatch(/^visapi-refund-[0-9a-f]{48}$/);
    expect(charge.amount_refunded).toBe(12_345);
  });

  it('a note of 500 non-Latin characters fits the confirmation and reaches Stripe whole', async () => {
    const charge = stripe.charge(1_000);
    const note = '返金理由'.repeat(125);
    const { previewed, res } = await refund({ chargeId: charge.id, reason: 'requested_by_customer', note });
    expect(previewed.confirmationToken.length).toBeLessThan(2_000);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().note).toBe(note);
    expect(stripe.refundRequests().find((r) => r.form.charge === charge.id)!.form['metadata[note]']).toBe(note);
  });

  it('a partial refund, then a second one for the rest', async () => {
    const charge = stripe.charge(5_000);
    const first = await refund({ chargeId: charge.id, amount: 2_000, reason: 'duplicate' }, operator);
    expect(first.res.statusCode, first.res.body).toBe(201);
    expect(first.res.json()).toMatchObject({ amount: 2_000, actorId: operatorId });
    const second = await refund({ chargeId: charge.id, reason: 'duplicate' }, operator);
    expect(second.previewed).toMatchObject({ amount: 3_000, charge: { amount: 5_000, amountRefunded: 2_000 } });
    expect(second.res.statusCode, second.res.body).toBe(201);
    expect(charge.amount_refunded).toBe(5_000);
    const keys = stripe.refundRequests().filter((r) => r.form.charge === charge.id).map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
  });

  it('an over-refund is refused with Stripe’s message, stripeCode and the runbook; nothing is stored', async () => {
    const charge = stripe.charge(5_000);
    const whole = (await preview({ chargeId: charge.id, reason: 'fraudulent' })).json();
    expect((await refund({ chargeId: charge.id, amount: 3_000, reason: 'fraudulent' })).res.statusCode).toBe(201);
    // The whole amount was previewed before the partial refund: Stripe refuses it now.
    const res = await create({ chargeId: charge.id, reason: 'fraudulent', confirmationToken: whole.confirmationToken });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: '/problems/provider-refused',
      status: 422,
      detail: 'Refund amount ($50.00) is greater than unrefunded amount on charge ($20.00)',
      stripeCode: 'amount_too_large',
      runbook: RUNBOOK,
    });
    expect(await db().selectFrom('refunds').select('id').where('charge_id', '=', charge.id).execute()).toHaveLength(1);
  });

  it('the runbook link is absolute and opens on the gateway (200 Markdown, no session); RUNBOOK_BASE_URL moves it', async () => {
    const charge = stripe.charge(700);
    const refused = (await preview({ chargeId: charge.id, amount: 800, reason: 'duplicate' })).json();
    expect(refused.runbook).toMatch(/^http:\/\/localhost:\d+\/docs\/runbooks\/stripe-refund-failure\.md$/);
    const page = await t.app.inject({ method: 'GET', url: new URL(refused.runbook).pathname, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(page.body).toMatch(/^# /);
    const elsewhere = await createTestApp(infra, {
      env: { FILE_SIGNING_KEY: 'refunds-test-signing-key-0123456789abcdef', STRIPE_API_KEY: stripe.key!, STRIPE_API_URL: stripe.base, RUNBOOK_BASE_URL: 'https://wiki.example.com/ops/visapi' },
    });
    try {
      const other = await elsewhere.app.inject({ method: 'POST', url: '/api/v1/refunds/preview', payload: { chargeId: charge.id, amount: 800, reason: 'duplicate' }, headers: operator });
      expect(other.json()).toMatchObject({ status: 422, runbook: 'https://wiki.example.com/ops/visapi/stripe-refund-failure.md' });
    } finally {
      await elsewhere.close();
    }
  });

  it('the preview refuses what Stripe would: too large, already refunded, unknown charge', async () => {
    const charge = stripe.charge(1_000);
    const tooLarge = await preview({ chargeId: charge.id, amount: 1_500, reason: 'duplicate' });
    expect(tooLarge.statusCode).toBe(422);
    expect(tooLarge.json()).toMatchObject({ stripeCode: 'amount_too_large', runbook: RUNBOOK });
    expect((await refund({ chargeId: charge.id, reason: 'duplicate' })).res.statusCode).toBe(201);
    const again = await preview({ chargeId: charge.id, reason: 'duplicate' });
    expect(again.json()).toMatchObject({ status: 422, stripeCode: 'charge_already_refunded', runbook: RUNBOOK });
    const unknown = await preview({ chargeId: 'ch_doesnotexist', reason: 'duplicate' });
    expect(unknown.json()).toMatchObject({ status: 422, stripeCode: 'resource_missing', detail: "No such charge: 'ch_doesnotexist'" });
  });

  it('a double submit of one confirmation (two simultaneous requests) refunds once: 201, then 200 replayed', async () => {
    const charge = stripe.charge(7_000);
    const token = (await preview({ chargeId: charge.id, reason: 'duplicate' }, operator)).json().confirmationToken;
    const body = { chargeId: charge.id, reason: 'duplicate', confirmationToken: token };
    const answers = await Promise.all([create(body, operator), create(body, operator)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 201]);
    const replay = answers.find((a) => a.statusCode === 200)!;
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(answers.find((a) => a.statusCode === 201)!.json());
    expect(stripe.refundRequests().filter((r) => r.form.charge === charge.id)).toHaveLength(1);
    expect(stripe.refunds.filter((r) => r.charge === charge.id)).toHaveLength(1);
    const later = await create(body, operator);
    expect(later.statusCode).toBe(200);
    expect(later.json().id).toBe(replay.json().id);
  });

  it('a second submit while the first is still waiting on Stripe waits for it, then replays its refund', async () => {
    const charge = stripe.charge(8_000);
    const token = (await preview({ chargeId: charge.id, reason: 'duplicate' })).json().confirmationToken;
    const body = { chargeId: charge.id, reason: 'duplicate', confirmationToken: token };
    // Stripe never answers the first call: it times out (STRIPE_TIMEOUT_MS) and is retried under the same key.
    stripe.failNext({ status: 200, hang: true });
    const first = create(body);
    await expect.poll(() => stripe.refundRequests().filter((r) => r.form.charge === charge.id).length).toBe(1);
    const second = await create(body);
    expect((await first).statusCode, (await first).body).toBe(201);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe((await first).json().id);
    const sent = stripe.refundRequests().filter((r) => r.form.charge === charge.id);
    expect(sent).toHaveLength(2); // the hung call and its retry, nothing from the second submit
    expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(stripe.refunds.filter((r) => r.charge === charge.id)).toHaveLength(1);
  });

  it('a token used for other values, by someone else, or forged is refused with 422', async () => {
    const charge = stripe.charge(9_000);
    const other = stripe.charge(9_000);
    const payload = { chargeId: charge.id, amount: 1_000, reason: 'duplicate', note: 'n' };
    const token = (await preview(payload)).json().confirmationToken as string;
    for (const changed of [{ amount: 9_000 }, { amount: undefined }, { reason: 'fraudulent' }, { note: 'other' }, { chargeId: other.id }]) {
      const res = await create({ ...payload, ...changed, confirmationToken: token });
      expect(res.statusCode, JSON.stringify(changed)).toBe(422);
      expect(res.json().type).toBe('/problems/unprocessable');
    }
    expect((await create({ ...payload, confirmationToken: token }, operator)).json().errors).toEqual([{ path: '$.actor', message: 'differs from the previewed value' }]);
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), a: 9_000 })).toString('base64url');
    expect((await create({ ...payload, confirmationToken: `${forged}.${mac}` })).statusCode).toBe(422);
    expect((await create({ ...payload, confirmationToken: 'nonsense' })).statusCode).toBe(422);
    expect(stripe.refundRequests().filter((r) => r.form.charge === charge.id)).toHaveLength(0);
  });

  it('an expired confirmation is refused, unless it already made its refund (replayed, also after expiry)', async () => {
    const service = t.app.get(RefundsService);
    const charge = stripe.charge(4_000);
    const late = (await preview({ chargeId: charge.id, amount: 1_000, reason: 'duplicate' })).json().confirmationToken;
    const { res: made, previewed } = await refund({ chargeId: charge.id, amount: 2_000, reason: 'duplicate' });
    expect(made.statusCode).toBe(201);
    service.now = () => Date.now() + 10 * 60_000 + 1_000;
    try {
      const expired = await create({ chargeId: charge.id, amount: 1_000, reason: 'duplicate', confirmationToken: late });
      expect(expired.statusCode).toBe(422);
      expect(expired.json().detail).toMatch(/expired/);
      const replay = await create({ chargeId: charge.id, amount: 2_000, reason: 'duplicate', confirmationToken: previewed.confirmationToken });
      expect(replay.statusCode).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json().id).toBe(made.json().id);
    } finally {
      service.now = () => Date.now();
    }
    expect(charge.amount_refunded).toBe(2_000);
  });

  it('429 then success: retried under the same Idempotency-Key', async () => {
    const charge = stripe.charge(3_000);
    const token = (await preview({ chargeId: charge.id, reason: 'duplicate' })).json().confirmationToken;
    stripe.failNext({ status: 429, headers: { 'retry-after': '0' }, body: { error: { type: 'rate_limit_error', message: 'Too many requests' } } });
    const res = await create({ chargeId: charge.id, reason: 'duplicate', confirmationToken: token });
    expect(res.statusCode, res.body).toBe(201);
    const sent = stripe.requests.filter((r) => r.path === '/v1/refunds').slice(-2);
    expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([sent[0]!.headers['idempotency-key'], sent[0]!.headers['idempotency-key']]);
    expect(stripe.refunds.filter((r) => r.charge === charge.id)).toHaveLength(1);
  });

  it('409 idempotency_key_in_use (Stripe still busy with the key) is asked again under the same key, not reported as refused', async () => {
    const charge = stripe.charge(3_100);
    const token = (await preview({ chargeId: charge.id, reason: 'duplicate' })).json().confirmationToken;
    stripe.failNext({ status: 409, body: { error: { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key' } } });
    const res = await create({ chargeId: charge.id, reason: 'duplicate', confirmationToken: token });
    expect(res.statusCode, res.body).toBe(201);
    expect(stripe.refunds.filter((r) => r.charge === charge.id)).toHaveLength(1);
  });

  it('one confirmation has one spelling: a re-padded or altered token is refused, never a second refund', async () => {
    const charge = stripe.charge(3_200);
    const payload = { chargeId: charge.id, amount: 1_000, reason: 'duplicate' };
    const token = (await preview(payload)).json().confirmationToken as string;
    expect((await create({ ...payload, confirmationToken: token })).statusCode).toBe(201);
    const lastChar = token.at(-1)!;
    const sibling = lastChar === 'A' ? 'B' : 'A'; // base64url's last character carries unused bits
    for (const respelled of [`${token}=`, `${token} `, `${token}!`, `${token.slice(0, -1)}${sibling}`]) {
      const res = await create({ ...payload, confirmationToken: respelled });
      expect(res.statusCode, respelled.slice(-3)).toBe(422);
    }
    expect(stripe.refunds.filter((r) => r.charge === charge.id)).toHaveLength(1);
  });

  it('5xx until giving up → 502 with the runbook; the same confirmation later refunds once', async () => {
    const charge = stripe.charge(3_000);
    const body = { chargeId: charge.id, reason: 'duplicate', confirmationToken: (await preview({ chargeId: charge.id, reason: 'duplicate' })).json().confirmationToken };
    stripe.failNext(...Array.from({ length: 3 }, () => ({ status: 500, body: { error: { type: 'api_error', message: 'Something went wrong' } } })));
    const res = await create(body);
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json()).toMatchObject({ type: '/problems/bad-gateway', runbook: RUNBOOK });
    expect(await db().selectFrom('refunds').select('id').where('charge_id', '=', charge.id).execute()).toHaveLength(0);
    const retried = await create(body);
    expect(retried.statusCode, retried.body).toBe(201);
    const keys = stripe.requests.filter((r) => r.path === '/v1/refunds').slice(-4).map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(1);
  });
});

describe('access and input', () => {
  it('a viewer gets 403, an API key without manage_refunds gets 403, no credentials 401', async () => {
    const charge = stripe.charge(1_000);
    const viewer = await signIn(t, 'viewer@visa.example', 'viewer');
    expect((await preview({ chargeId: charge.id, reason: 'duplicate' }, sessionHeaders(viewer.cookie))).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/refunds', headers: sessionHeaders(viewer.cookie) })).statusCode).toBe(403);
    const weak = await createKey(t, ['trigger', 'read_runs', 'manage_runs']);
    expect((await preview({ chargeId: charge.id, reason: 'duplicate' }, { 'x-api-key': weak.key })).statusCode).toBe(403);
    expect((await create({ chargeId: charge.id, reason: 'duplicate', confirmationToken: 'x' }, { 'x-api-key': weak.key })).statusCode).toBe(403);
    expect((await preview({ chargeId: charge.id, reason: 'duplicate' }, {})).statusCode).toBe(401);
  });

  it('refuses bad input with 400: a float amount, a negative one, an unknown reason, a bad charge id, extra fields', async () => {
    for (const bad of [
      { chargeId: 'ch_1', amount: 10.5, reason: 'duplicate' },
      { chargeId: 'ch_1', amount: -1, reason: 'duplicate' },
      { chargeId: 'ch_1', reason: 'changed my mind' },
      { chargeId: 'cus_1', reason: 'duplicate' },
      { chargeId: 'ch_1', reason: 'duplicate', currency: 'eur' },
    ]) {
      const res = await preview(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().type).toBe('/problems/validation');
    }
    expect((await create({ chargeId: 'ch_1', reason: 'duplicate' })).statusCode).toBe(400);
  });
});

describe('sandbox (no STRIPE_API_KEY)', () => {
  it('the preview needs the amount and says sandbox; the refund is kept in the outbox, never sent', async () => {
    const headers = { 'x-api-key': key.key };
    const noAmount = await preview({ chargeId: 'ch_sandbox1', reason: 'duplicate' }, headers, sandbox);
    expect(noAmount.statusCode).toBe(400);
    expect(noAmount.json().errors).toEqual([{ path: '$.amount', message: 'required in sandbox' }]);
    const before = stripe.requests.length;
    const previewed = await preview({ chargeId: 'ch_sandbox1', amount: 2_500, reason: 'duplicate' }, headers, sandbox);
    expect(previewed.json()).toMatchObject({ sandbox: true, charge: null, amount: 2_500, currency: 'usd' });
    const res = await create({ chargeId: 'ch_sandbox1', amount: 2_500, reason: 'duplicate', confirmationToken: previewed.json().confirmationToken }, headers, sandbox);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'sandbox', stripeRefundId: null, amount: 2_500 });
    const outbox = await db().selectFrom('outbox').selectAll().where('connector', '=', 'stripe.refund').where('recipient', '=', 'ch_sandbox1').execute();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload).toMatchObject({ charge: 'ch_sandbox1', amount: '2500', reason: 'duplicate', currency: 'usd' });
    expect(stripe.requests.length).toBe(before);
    // A sandbox confirmation does not refund for real on a gateway with a key.
    const live = await create({ chargeId: 'ch_sandbox1', amount: 2_500, reason: 'duplicate', confirmationToken: previewed.json().confirmationToken });
    expect(live.statusCode).toBe(200); // it already made its (sandbox) refund: replayed
    expect(stripe.requests.length).toBe(before);
  });
});

describe('audit and list', () => {
  it('writes audit rows for the preview and the refund with every field', async () => {
    const charge = stripe.charge(6_000);
    const { res } = await refund({ chargeId: charge.id, amount: 1_500, reason: 'fraudulent' }, operator);
    await t.app.get(LogService).writer.flush();
    const rows = await db().selectFrom('logs').select(['message', 'actor_id', 'payload']).where(sql`payload->>'target'`, '=', `charge:${charge.id}`).orderBy('id').execute();
    expect(rows.map((r) => r.message)).toEqual(['refund.previewed', 'refund.created']);
    for (const row of rows) {
      expect(row.actor_id).toBe(operatorId);
      expect(row.payload).toMatchObject({ audit: true, actorType: 'user', chargeId: charge.id, amount: 1_500, currency: 'usd', reason: 'fraudulent' });
    }
    expect(rows[0]!.payload).toMatchObject({ result: 'previewed' });
    expect(rows[1]!.payload).toMatchObject({ result: 'succeeded', stripeRefundId: res.json().stripeRefundId, refundId: res.json().id });
  });

  it('audits a refusal with Stripe’s code', async () => {
    const charge = stripe.charge(1_000);
    await preview({ chargeId: charge.id, amount: 2_000, reason: 'duplicate' });
    await t.app.get(LogService).writer.flush();
    const rows = await db().selectFrom('logs').select(['message', 'payload']).where(sql`payload->>'target'`, '=', `charge:${charge.id}`).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message: 'refund.preview_failed', payload: { result: 'refused', stripeCode: 'amount_too_large', amount: 2_000 } });
  });

  it('lists refunds newest first, keyset-paginated', async () => {
    const charge = stripe.charge(10_000);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await refund({ chargeId: charge.id, amount: 100, reason: 'duplicate' })).res.json().id);
    const seen: Array<{ id: string; createdAt: string }> = [];
    let cursor: string | null = null;
    do {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/refunds?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: operator });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
    expect(seen.slice(0, 3).map((r) => r.id)).toEqual([...made].reverse());
    const times = seen.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const total = await db().selectFrom('refunds').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(seen).toHaveLength(total.n);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/refunds?cursor=forged', headers: operator })).statusCode).toBe(400);
  });
});
