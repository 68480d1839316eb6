import type { WorkflowDefinitionInput } from '@visapi/contracts';
import { Webhook } from 'standardwebhooks';
import { whenReady } from '../src/platform/redis/redis';
import type { Redis } from '../src/platform/redis/redis';
import { hashBody, IdempotencyStore, idempotencyRedisKey } from '../src/triggers/idempotency';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { jobKeys } from '../src/queues/job-catalog';
import { QueuesService } from '../src/queues/queues.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { TcpProxy } from './support/tcp-proxy';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let infra: TestInfra;
let t: TestApp;
let target: HttpTarget;
let admin: string;
let caller: string;
let n = 0;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  t = await createTestApp(infra, { role: 'all', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' } });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  const big = { rateLimit: { burst: 100_000, perSecond: 10_000 } };
  admin = (await createKey(t, ['manage_workflows', 'read_runs'], big)).key;
  caller = (await createKey(t, ['trigger'], big)).key;
});
afterAll(async () => {
  await t?.close();
  await target?.stop();
  await infra?.cleanup();
});

async function workflow(extra: Partial<WorkflowDefinitionInput> = {}, trigger: { signingSecret?: string } = {}) {
  const key = `hook-${++n}`;
  const created = await createWorkflow(t, admin, {
    name: `webhook flow ${n}`,
    triggers: [{ type: 'webhook', key, ...trigger }],
    steps: [
      { id: 'post', type: 'http.request', config: { method: 'POST', url: `${target.base}/delivered/${n}`, body: '{{ input }}' } },
      { id: 'pause', type: 'delay', config: { ms: 20 } },
    ],
    ...extra,
  });
  return { id: created.id, key, n };
}

const post = (key: string, payload: string | object, headers: Record<string, string> = { 'x-api-key': caller }) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/triggers/${key}`,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });

const settled = (runId: string) => settledRun(t, { 'x-api-key': admin }, runId);

describe('POST /api/v1/triggers/{key}', () => {
  it('with an API key runs the two-step workflow end to end', async () => {
    const wf = await workflow();
    const res = await post(wf.key, { applicationId: 'A-1', status: 'approved' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ workflowId: wf.id, status: 'queued' });
    expect(res.headers['ratelimit-limit']).toBe('100000'); // every response to a keyed request carries them
    expect(res.headers['ratelimit-remaining']).toEqual(expect.any(String));
    const run = await settled(res.json().runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: { type: 'webhook', key: wf.key } });
    expect(target.to(`/delivered/${wf.n}`).map((r) => r.body)).toEqual([{ applicationId: 'A-1', status: 'approved' }]);
  });

  it('takes form bodies: repeated keys become arrays, unicode keys survive', async () => {
    const wf = await workflow();
    const res = await post(wf.key, 'tag=a&tag=b&%D7%A9%D7%9D=%D7%93%D7%A0%D7%94&id=7', { 'x-api-key': caller, 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(202);
    await settled(res.json().runId);
    expect(target.to(`/delivered/${wf.n}`)[0]!.body).toEqual({ tag: ['a', 'b'], 'שם': 'דנה', id: '7' });
  });

  it('refuses other content types (415), broken JSON (400), and non-object bodies (400)', async () => {
    const wf = await workflow();
    expect((await post(wf.key, 'hello', { 'x-api-key': caller, 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await post(wf.key, '<a/>', { 'x-api-key': caller, 'content-type': 'application/xml' })).statusCode).toBe(415);
    expect((await post(wf.key, '{"a":')).json()).toMatchObject({ status: 400, type: '/problems/malformed-body' });
    expect((await post(wf.key, '[1,2]')).statusCode).toBe(400);
  });

  it('accepts exactly 512 KB and refuses one byte more with 413', async () => {
    const wf = await workflow();
    const exact = JSON.stringify({ p: 'x'.repeat(524_288 - '{"p":""}'.length) });
    expect(Buffer.byteLength(exact)).toBe(524_288);
    expect((await post(wf.key, exact)).statusCode).toBe(202);
    const over = JSON.stringify({ p: 'x'.repeat(524_289 - '{"p":""}'.length) });
    const res = await post(wf.key, over);
    expect(res.statusCode).toBe(413);
    expect(res.json().type).toBe('/problems/payload-too-large');
  });

  it('issue 9 #3: a form over 1,000 fields is refused with 413, before authentication', async () => {
    const wf = await workflow();
    const form = (n: number) => Array.from({ length: n }, (_, i) => `tag=${i}`).join('&');
    const asForm = { 'x-api-key': caller, 'content-type': 'application/x-www-form-urlencoded' };
    expect((await post(wf.key, form(1_000), asForm)).statusCode).toBe(202);
    for (const headers of [asForm, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const res = await post(wf.key, form(1_001), headers);
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ type: '/problems/payload-too-large', detail: 'The form has more than 1,000 fields.' });
    }
  });

  it('refuses JSON nested deeper than 32 levels with a clear message', async () => {
    const wf = await workflow();
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    const res = await post(wf.key, deep);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('The JSON body is nested deeper than 32 levels.');
    const ok = `${'{"a":'.repeat(30)}1${'}'.repeat(30)}`;
    expect((await post(wf.key, ok)).statusCode).toBe(202);
  });

  it('404 for an unknown key and for a disabled workflow', async () => {
    expect((await post('no-such-hook', {})).statusCode).toBe(404);
    expect((await post('Bad Key!', {})).statusCode).toBe(404);
    const wf = await workflow();
    await t.app.inject({ method: 'PATCH', url: `/api/v1/workflows/${wf.id}`, headers: { 'x-api-key': admin }, payload: { enabled: false } });
    expect((await post(wf.key, {})).statusCode).toBe(404);
  });

  it('422 with the errors when the payload fails inputSchema', async () => {
    const wf = await workflow({ inputSchema: { type: 'object', required: ['applicationId'] } });
    const res = await post(wf.key, { other: 1 });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: '$.applicationId', message: 'is required' }]);
  });

  it('401 without credentials, 403 for a key without the trigger scope', async () => {
    const wf = await workflow();
    expect((await post(wf.key, {}, {})).statusCode).toBe(401);
    const reader = await createKey(t, ['read_runs']);
    expect((await post(wf.key, {}, { 'x-api-key': reader.key })).statusCode).toBe(403);
  });
});

describe('Standard Webhooks signatures', () => {
  const sign = (body: string, id = `msg_${Math.random()}`, at = new Date(), secret = SECRET) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  });

  it('accepts a valid signature without an API key', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = JSON.stringify({ applicationId: 'S-1' });
    const res = await post(wf.key, body, sign(body));
    expect(res.statusCode).toBe(202);
  });

  it('refuses a stale timestamp, a wrong secret and a tampered body with 401', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = JSON.stringify({ applicationId: 'S-2' });
    expect((await post(wf.key, body, sign(body, 'm1', new Date(Date.now() - 6 * 60_000)))).statusCode).toBe(401);
    expect((await post(wf.key, body, sign(body, 'm2', new Date(), 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).statusCode).toBe(401);
    expect((await post(wf.key, JSON.stringify({ applicationId: 'S-3' }), sign(body, 'm3'))).statusCode).toBe(401);
  });

  it('issue 9 #15: a signed form body is accepted, its fields become the input', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = 'applicationId=F-1&tag=a&tag=b&name=%D7%93%D7%A0%D7%94';
    const res = await post(wf.key, body, { ...sign(body), 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode, res.body).toBe(202);
    await settled(res.json().runId);
    expect(target.to(`/delivered/${wf.n}`)[0]!.body).toEqual({ applicationId: 'F-1', tag: ['a', 'b'], name: 'דנה' });
  });

  it('issue 9 #15: a signed form with a tampered body, a stale or future timestamp, or a wrong secret is 401', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = 'applicationId=F-2';
    const form = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/x-www-form-urlencoded' });
    const statuses = [
      await post(wf.key, 'applicationId=F-3', form(sign(body))),
      await post(wf.key, body, form(sign(body, 'f1', new Date(Date.now() - 6 * 60_000)))),
      await post(wf.key, body, form(sign(body, 'f2', new Date(Date.now() + 6 * 60_000)))),
      await post(wf.key, body, form(sign(body, 'f3', new Date(), 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))),
    ].map((r) => r.statusCode);
    expect(statuses).toEqual([401, 401, 401, 401]);
  });

  it('issue 9 #8: a signed message replayed with a fresh Idempotency-Key is the same request (webhook-id is the key)', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = JSON.stringify({ applicationId: 'S-8' });
    const headers = sign(body, 'msg_replayed');
    const first = await post(wf.key, body, { ...headers, 'idempotency-key': 'attacker-1' });
    const second = await post(wf.key, body, { ...headers, 'idempotency-key': 'attacker-2' });
    expect(first.statusCode).toBe(202);
    expect([second.statusCode, second.headers['idempotent-replayed'], second.json()]).toEqual([202, 'true', first.json()]);
    await settled(first.json().runId);
    const runs = await t.app.inject({ method: 'GET', url: `/api/v1/runs?workflowId=${wf.id}`, headers: { 'x-api-key': admin } });
    expect(runs.json().items).toHaveLength(1);
  });

  it('the webhook-id doubles as the idempotency key', async () => {
    const wf = await workflow({}, { signingSecret: SECRET });
    const body = JSON.stringify({ applicationId: 'S-4' });
    const headers = sign(body, 'msg_same');
    const first = await post(wf.key, body, headers);
    const second = await post(wf.key, body, headers);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
  });
});

describe('Idempotency-Key', () => {
  const withKey = (key: string, apiKey = caller) => ({ 'x-api-key': apiKey, 'idempotency-key': key });
  const opened: Redis[] = [];
  afterEach(() => {
    for (const redis of opened.splice(0)) redis.disconnect();
  });
  /** A connection to look at (or forge) the caller's claim of `idemKey`, and where that claim is; disconnected after the test. */
  async function claimOf(idemKey: string): Promise<{ redis: Redis; redisKey: string }> {
    const redis = t.runtime.redis.create('command');
    opened.push(redis);
    await whenReady(redis, 5_000);
    const callerKey = await t.app.get(ApiKeysService).verify(caller);
    return { redis, redisKey: idempotencyRedisKey(t.runtime.config.REDIS_PREFIX, `key:${callerKey!.id}`, idemKey) };
  }

  it('a repeat with the same body gets the same answer and starts nothing; another body is 422', async () => {
    const wf = await workflow();
    const first = await post(wf.key, { a: 1 }, withKey('order-1'));
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(wf.key, { a: 1 }, withKey('order-1'));
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await post(wf.key, { a: 2 }, withKey('order-1'));
    expect(other.statusCode).toBe(422);
    await settled(first.json().runId);
    expect(target.to(`/delivered/${wf.n}`)).toHaveLength(1);
  });

  it('a repeat after the workflow moved to another queue (new priority) is still a replay, not a second run', async () => {
    const wf = await workflow();
    const first = await post(wf.key, { moved: 1 }, withKey('moved-1'));
    expect(first.statusCode).toBe(202);
    const definition = (await t.app.get(WorkflowCatalog).get(wf.id))!.definition;
    const moved = await t.app.inject({ method: 'PUT', url: `/api/v1/workflows/${wf.id}`, headers: { 'x-api-key': admin }, payload: { ...definition, version: '1.1.0', priority: 'critical' } });
    expect(moved.statusCode, moved.body).toBe(200);
    const again = await post(wf.key, { moved: 1 }, withKey('moved-1'));
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json()]).toEqual([202, 'true', first.json()]);
    await settled(first.json().runId);
    expect(target.to(`/delivered/${wf.n}`)).toHaveLength(1);
  });

  it('50 concurrent requests with one key make exactly one run', async () => {
    const wf = await workflow();
    const results = await Promise.all(Array.from({ length: 50 }, () => post(wf.key, { same: true }, withKey('burst-1'))));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const runIds = new Set(results.filter((r) => r.statusCode === 202).map((r) => r.json().runId));
    expect(runIds.size).toBe(1);
    await settled([...runIds][0]);
    const runs = await t.app.inject({ method: 'GET', url: `/api/v1/runs?workflowId=${wf.id}`, headers: { 'x-api-key': admin } });
    expect(runs.json().items).toHaveLength(1);
    expect(target.to(`/delivered/${wf.n}`)).toHaveLength(1);
  });

  it('the same key under two API keys is two independent requests', async () => {
    const wf = await workflow();
    const other = await createKey(t, ['trigger']);
    const a = await post(wf.key, { x: 1 }, withKey('shared'));
    const b = await post(wf.key, { x: 1 }, withKey('shared', other.key));
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().runId).not.toBe(b.json().runId);
  });

  it('refuses a malformed key with 400', async () => {
    const wf = await workflow();
    expect((await post(wf.key, {}, withKey('x'.repeat(256)))).statusCode).toBe(400);
    expect((await post(wf.key, {}, withKey('has space'))).statusCode).toBe(400);
  });

  it('a claim left by a gateway that died before queueing blocks repeats (409) only for a minute', async () => {
    const wf = await workflow();
    const body = JSON.stringify({ left: true });
    const { redis, redisKey } = await claimOf('abandoned');
    const claim = (at: number) => redis.hset(redisKey, 'body', hashBody(body), 'state', 'pending', 'at', String(at), 'response', '{}');
    await claim(Date.now());
    expect((await post(wf.key, body, withKey('abandoned'))).statusCode).toBe(409);
    await claim(Date.now() - 61_000);
    const retried = await post(wf.key, body, withKey('abandoned'));
    expect(retried.statusCode).toBe(202);
    expect((await settled(retried.json().runId)).status).toBe('succeeded');
    const replay = await post(wf.key, body, withKey('abandoned'));
    expect([replay.statusCode, replay.headers['idempotent-replayed'], replay.json()]).toEqual([202, 'true', retried.json()]);
  });

  it('a repeat after the run’s job is gone from Redis is still a replay: the claim was marked done once queued', async () => {
    const wf = await workflow();
    const first = await post(wf.key, { kept: 1 }, withKey('gone-1'));
    expect(first.statusCode).toBe(202);
    await settled(first.json().runId);
    const { redis, redisKey } = await claimOf('gone-1');
    await expect.poll(() => redis.hget(redisKey, 'state'), { timeout: 5_000, interval: 20 }).toBe('done');
    // Completed run jobs are kept an hour at most (queues/job-catalog.ts): as if it had passed.
    await redis.del(...jobKeys(first.json().runId, t.runtime.config.REDIS_PREFIX));
    const again = await post(wf.key, { kept: 1 }, withKey('gone-1'));
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json()]).toEqual([202, 'true', first.json()]);
    expect(target.to(`/delivered/${wf.n}`)).toHaveLength(1);
  });

  it('a claim never marked done (the gateway died after queueing) whose job is gone: the repeat answers the same run, which does not run again', async () => {
    const wf = await workflow();
    const first = await post(wf.key, { lost: 1 }, withKey('unmarked-1'));
    expect(first.statusCode).toBe(202);
    const runId = first.json().runId as string;
    await settled(runId);
    const { redis, redisKey } = await claimOf('unmarked-1');
    await expect.poll(() => redis.hget(redisKey, 'state'), { timeout: 5_000, interval: 20 }).toBe('done');
    await redis.hset(redisKey, 'state', 'pending', 'at', String(Date.now() - 6_000));
    await redis.del(...jobKeys(runId, t.runtime.config.REDIS_PREFIX));
    const again = await post(wf.key, { lost: 1 }, withKey('unmarked-1'));
    expect([again.statusCode, again.json().runId]).toEqual([202, runId]);
    // The same job id queued again: the worker finds the run finished and leaves it alone.
    const queues = t.app.get(QueuesService);
    await expect.poll(async () => (await queues.get('default').getJobState(runId)) as string, { timeout: 10_000, interval: 50 }).toBe('completed');
    expect((await settled(runId)).status).toBe('succeeded');
    expect(target.to(`/delivered/${wf.n}`)).toHaveLength(1);
  });

  it('marking a claim done never rejects, even while its connection is down (nobody waits for it)', async () => {
    const down = t.runtime.redis.create('request', 'visapi:test-down');
    opened.push(down);
    await whenReady(down, 5_000);
    down.disconnect();
    const { redisKey } = await claimOf('never-marked');
    // An unhandled rejection would fail this file.
    expect(new IdempotencyStore(down).done(redisKey)).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('a failed request releases the key, so a corrected retry can use it', async () => {
    const wf = await workflow({ inputSchema: { type: 'object', required: ['id'] } });
    expect((await post(wf.key, { nope: 1 }, withKey('fix-me'))).statusCode).toBe(422);
    expect((await post(wf.key, { id: 1 }, withKey('fix-me'))).statusCode).toBe(202);
  });
});

describe('Redis down during ingestion', () => {
  it('answers 503 fast, never hangs, and accepts again when Redis returns', async () => {
    const { proxy, url } = await TcpProxy.forUrl(infra.redisUrl);
    const gw = await createTestApp({ ...infra, redisUrl: url }, { role: 'gateway' });
    try {
      await gw.app.get(WorkflowCatalog).ready;
      const key = await createKey(gw, ['trigger'], { rateLimit: { burst: 1000, perSecond: 100 } });
      const wf = await workflow();
      expect((await gw.app.inject({ method: 'POST', url: `/api/v1/triggers/${wf.key}`, payload: { a: 1 }, headers: { 'x-api-key': key.key } })).statusCode).toBe(202);
      proxy.cut();
      const started = Date.now();
      const res = await gw.app.inject({ method: 'POST', url: `/api/v1/triggers/${wf.key}`, payload: { a: 2 }, headers: { 'x-api-key': key.key } });
      expect(res.statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(3_000);
      proxy.restore();
      await expect
        .poll(async () => (await gw.app.inject({ method: 'POST', url: `/api/v1/triggers/${wf.key}`, payload: { a: 3 }, headers: { 'x-api-key': key.key } })).statusCode, { timeout: 15_000, interval: 200 })
        .toBe(202);
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});

describe('queue contents', () => {
  it('a job carries ids, a schema version and the input encrypted', async () => {
    const wf = await workflow();
    const res = await post(wf.key, { email: 'dana@example.com' });
    const job = await t.app.get(QueuesService).get('default').getJob(res.json().runId);
    if (job) {
      // Written as version 1 while the previous release's workers may still take it (ADR 0008).
      expect(job.data).toMatchObject({ v: 1, runId: res.json().runId, workflowId: wf.id });
      expect(JSON.stringify(job.data)).not.toContain('dana@example.com');
    }
  });

  it('issue 10 #9: a JSON body is sealed as its bytes came (not parsed and stringified again); a form as JSON of its fields', async () => {
    const wf = await workflow();
    const raw = '{ "email" : "dana@example.com",\n  "name": "D\\u00e4na", "n": 1.50 }';
    const res = await post(wf.key, raw);
    expect(res.statusCode).toBe(202);
    const opened = async (runId: string) => {
      const job = await t.app.get(QueuesService).get('default').getJob(runId);
      return t.runtime.cipher.decrypt(Buffer.from(job!.data.input, 'base64')).toString('utf8');
    };
    expect(await opened(res.json().runId)).toBe(raw);
    const run = await settled(res.json().runId);
    expect(run.status).toBe('succeeded');
    expect(target.to(`/delivered/${wf.n}`)[0]!.body).toEqual({ email: 'dana@example.com', name: 'Däna', n: 1.5 });

    const form = await post(wf.key, 'tag=a&tag=b', { 'x-api-key': caller, 'content-type': 'application/x-www-form-urlencoded' });
    expect(await opened(form.json().runId)).toBe('{"tag":["a","b"]}');

    // A byte-order mark: the parser skips it and JSON.parse would not, so the parsed body is sealed.
    const bom = await post(wf.key, '\ufeff{"email":"bom@example.com"}');
    expect(bom.statusCode).toBe(202);
    expect(await opened(bom.json().runId)).toBe('{"email":"bom@example.com"}');
    expect((await settled(bom.json().runId)).status).toBe('succeeded');
  });
});

describe('signed webhooks are limited per client IP', () => {
  it('429 with Retry-After past the burst', async () => {
    const limited = await createTestApp(infra, { role: 'gateway', env: { SIGNED_WEBHOOK_RATE_LIMIT_BURST: '2', SIGNED_WEBHOOK_RATE_LIMIT_PER_SECOND: '0.01' } });
    try {
      await limited.app.get(WorkflowCatalog).ready;
      const wf = await workflow({}, { signingSecret: SECRET });
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const body = JSON.stringify({ i });
        const at = new Date();
        const headers = { 'webhook-id': `ip-${i}`, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign(`ip-${i}`, at, body) };
        const res = await limited.app.inject({ method: 'POST', url: `/api/v1/triggers/${wf.key}`, payload: body, remoteAddress: '10.9.8.7', headers: { 'content-type': 'application/json', ...headers } });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(statuses).toEqual([202, 202, 429]);
    } finally {
      await limited.close();
    }
  });
});
