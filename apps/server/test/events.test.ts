import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { eventKeys } from '../src/events/event-keys';
import { UsersRepository } from '../src/users/users.repository';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, signIn } from './support/auth-helpers';
import { settledRun } from './support/runs';
import { openSse } from './support/sse';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let t: TestApp;
let base: string;
let redis: Redis;
let keys: ReturnType<typeof eventKeys>;
let manager: string;

beforeAll(async () => {
  infra = await createTestInfra();
  // Every test signs a user in (magic-link verify is limited per IP).
  t = await createTestApp(infra, { role: 'all', env: { EVENTS_HEARTBEAT_MS: '300', EVENTS_QUEUES_INTERVAL_MS: '500', IP_RATE_LIMIT_BURST: '50' } });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  redis = new Redis(infra.redisUrl);
  keys = eventKeys(t.runtime.redis);
  manager = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs'])).key;
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
  await infra?.cleanup();
});

const db = () => t.runtime.database.db;
const events = (headers: Record<string, string> = {}, query = '') => openSse(`${base}/api/v1/events${query}`, headers);

async function runOnce(): Promise<string> {
  const created = await createWorkflow(t, manager);
  const accepted = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': manager }, payload: {} });
  expect(accepted.statusCode, accepted.body).toBe(202);
  const { runId } = accepted.json();
  await settledRun(t, { 'x-api-key': manager }, runId);
  return runId;
}

describe('with nobody listening', () => {
  it('a run (created, run, logged) writes nothing to the event stream', async () => {
    await runOnce();
    expect(await redis.exists(keys.listeners)).toBe(0);
    expect(await redis.exists(keys.stream)).toBe(0);
  });
});

describe('GET /api/v1/events: access', () => {
  it('without credentials: 401 problem', async () => {
    const sse = await events();
    await sse.ended;
    expect(sse.status).toBe(401);
    expect(sse.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(sse.body())).toMatchObject({ status: 401 });
  });

  it('with an API key, whatever its scopes: 403 problem', async () => {
    const key = await createKey(t, ['read_runs', 'read_logs', 'read_queues']);
    const sse = await events({ 'x-api-key': key.key });
    await sse.ended;
    expect(sse.status).toBe(403);
    expect(JSON.parse(sse.body())).toMatchObject({ status: 403, detail: expect.stringContaining('session') });
  });

  it('an unknown query parameter: 400', async () => {
    const { cookie } = await signIn(t, 'params@example.com', 'viewer');
    const sse = await events({ cookie }, '?foo=1');
    await sse.ended;
    expect(sse.status).toBe(400);
  });

  it('at most 10 streams per session: the 11th is a 429 problem; one closed makes room', async () => {
    const { cookie } = await signIn(t, 'many-tabs@example.com', 'viewer');
    const open = await Promise.all(Array.from({ length: 10 }, () => events({ cookie })));
    try {
      expect(open.map((sse) => sse.status)).toEqual(Array(10).fill(200));
      const eleventh = await events({ cookie });
      await eleventh.ended;
      expect(eleventh.status).toBe(429);
      expect(JSON.parse(eleventh.body())).toMatchObject({ status: 429, detail: expect.stringContaining('10 event streams') });
      open[0]!.close();
      await expect.poll(async () => {
        const again = await events({ cookie });
        again.close();
        return again.status;
      }).toBe(200);
    } finally {
      for (const sse of open) sse.close();
    }
  });

  it('a viewer gets the stream: SSE headers under the app’s security headers, retry once, heartbeats, and live events', async () => {
    const { cookie } = await signIn(t, 'viewer@example.com', 'viewer');
    const sse = await events({ cookie });
    try {
      expect(sse.status).toBe(200);
      expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(sse.headers['cache-control']).toBe('no-store');
      expect(sse.headers['x-accel-buffering']).toBe('no');
      expect(sse.headers['content-encoding']).toBeUndefined();
      expect(sse.headers['content-security-policy']).toContain("default-src 'self'");
      expect(sse.headers['x-request-id']).toBeTruthy();
      const runId = await runOnce();
      const created = await sse.waitFor((e) => e.event === 'run.created' && (e.data as { id: string }).id === runId);
      const done = await sse.waitFor((e) => e.event === 'run.updated' && (e.data as { id: string; status: string }).id === runId && (e.data as { status: string }).status === 'succeeded');
      const log = await sse.waitFor((e) => e.event === 'log.created' && (e.data as { runId: string; message: string }).message === 'run succeeded' && (e.data as { runId: string }).runId === runId);
      expect(created.data).toMatchObject({ status: 'queued', attempts: 0, trigger: { type: 'manual' } });
      expect(done.data).toMatchObject({ workflowVersion: '1.0.0', attempts: 1, error: null, finishedAt: expect.any(String) });
      // The row exactly as GET /logs shows it.
      const logs = await t.app.inject({ method: 'GET', url: `/api/v1/logs?runId=${runId}`, headers: { cookie } });
      expect(logs.json().items).toContainEqual(log.data);
      await sse.waitFor((e) => e.event === 'queues.counts');
      expect(sse.retry).toBe(2_000);
      await expect.poll(() => sse.comments, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(sse.events.every((e) => /^\d+-\d+$/.test(e.id ?? ''))).toBe(true);
      expect(new Set(sse.events.map((e) => e.id)).size).toBe(sse.events.length);
      expect(await redis.exists(keys.listeners)).toBe(1);
    } finally {
      sse.close();
    }
  });
});

describe('GET /api/v1/events: run.updated from the gateway', () => {
  it('cancel and retry are published as they happen', async () => {
    const { cookie } = await signIn(t, 'operator-watch@example.com', 'viewer');
    const runs = (await createKey(t, ['manage_runs', 'read_runs'])).key;
    const sse = await events({ cookie });
    try {
      const created = await createWorkflow(t, manager, { steps: [{ id: 'wait', type: 'delay', config: { ms: 1_500 } }] });
      const accepted = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': manager }, payload: {} });
      const { runId } = accepted.json();
      const status = (wanted: string) => (e: { event: string; data: unknown }) =>
        e.event === 'run.updated' && (e.data as { id: string }).id === runId && (e.data as { status: string }).status === wanted;
      await sse.waitFor(status('running'));
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers: { 'x-api-key': runs } })).statusCode).toBe(200);
      const cancelled = await sse.waitFor(status('cancelled'));
      expect(cancelled.data).toMatchObject({ error: { class: 'cancelled' }, finishedAt: expect.any(String) });
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/retry`, headers: { 'x-api-key': runs } })).statusCode).toBe(202);
      await sse.waitFor(status('queued'));
      await sse.waitFor(status('succeeded'));
      const statuses = sse.events.filter((e) => e.event === 'run.updated' && (e.data as { id: string }).id === runId).map((e) => (e.data as { status: string }).status);
      expect(statuses.indexOf('cancelled')).toBeLessThan(statuses.indexOf('queued'));
      expect(statuses.at(-1)).toBe('succeeded');
    } finally {
      sse.close();
    }
  });
});

describe('GET /api/v1/events: the session', () => {
  it('the stream never extends the idle session (a plain request does)', async () => {
    const { cookie, userId } = await signIn(t, 'idle@example.com', 'viewer');
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const setSeen = () => db().updateTable('sessions').set({ last_seen_at: tenMinutesAgo }).where('user_id', '=', userId).execute();
    const seen = async () => (await db().selectFrom('sessions').select('last_seen_at').where('user_id', '=', userId).executeTakeFirstOrThrow()).last_seen_at.getTime();
    await setSeen();
    const sse = await events({ cookie });
    expect(sse.status).toBe(200);
    const comments = sse.comments;
    await expect.poll(() => sse.comments, { timeout: 5_000 }).toBeGreaterThan(comments); // a heartbeat: the session was re-checked
    expect(await seen()).toBe(tenMinutesAgo.getTime());
    sse.close();
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(await seen()).toBeGreaterThan(tenMinutesAgo.getTime());
  });

  it('a revoked session ends the stream at the next heartbeat', async () => {
    const { cookie } = await signIn(t, 'revoked@example.com', 'viewer');
    const sse = await events({ cookie });
    expect(sse.status).toBe(200);
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: 'http://localhost:3000' } });
    expect(logout.statusCode).toBe(204);
    await sse.ended;
  });

  it('an idle-expired session ends the stream', async () => {
    const { cookie, userId } = await signIn(t, 'expired@example.com', 'viewer');
    const sse = await events({ cookie });
    expect(sse.status).toBe(200);
    await db().updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('user_id', '=', userId).execute();
    await sse.ended;
  });

  it('a lowered role ends the stream', async () => {
    const { cookie, userId } = await signIn(t, 'demoted@example.com', 'admin');
    const sse = await events({ cookie });
    expect(sse.status).toBe(200);
    await t.app.get(UsersRepository).setRole(userId, 'viewer');
    await sse.ended;
  });
});

describe('GET /api/v1/events: Last-Event-ID', () => {
  const publish = (type: string, data: unknown) => redis.xadd(keys.stream, '*', 't', type, 'd', JSON.stringify(data)) as Promise<string>;

  it('catches up from the backlog (header or query), then goes on live: no duplicate, no gap', async () => {
    const { cookie } = await signIn(t, 'resume@example.com', 'viewer');
    for (const via of ['header', 'query'] as const) {
      const first = await publish('stream.reset', { reason: 'one' });
      const second = await publish('stream.reset', { reason: 'two' });
      const third = await publish('stream.reset', { reason: 'three' });
      const sse = via === 'header' ? await events({ cookie, 'last-event-id': first }) : await events({ cookie }, `?lastEventId=${encodeURIComponent(first)}`);
      try {
        await sse.waitFor((e) => e.id === third);
        const fourth = await publish('stream.reset', { reason: 'four' });
        await sse.waitFor((e) => e.id === fourth);
        const ours = sse.events.filter((e) => e.event === 'stream.reset').map((e) => e.id);
        expect(ours).toEqual([second, third, fourth]);
      } finally {
        sse.close();
      }
    }
  });

  it('an id the backlog no longer reaches, or a malformed one: stream.reset first', async () => {
    const { cookie } = await signIn(t, 'reset@example.com', 'viewer');
    // Entries after `gone` are trimmed away (what MAXLEN ~ does to old entries): the client
    // missed one, whatever the app appends meanwhile.
    const gone = await publish('stream.reset', { reason: 'gone' });
    await publish('stream.reset', { reason: 'missed' });
    await publish('stream.reset', { reason: 'kept' });
    await redis.xtrim(keys.stream, 'MAXLEN', 1);
    for (const id of [gone, 'not-an-id', '99999999999999-0']) {
      const sse = await events({ cookie, 'last-event-id': id });
      try {
        const reset = await sse.waitFor(() => true);
        expect(reset.event).toBe('stream.reset');
        expect(reset.id).toMatch(/^\d+-\d+$/);
      } finally {
        sse.close();
      }
    }
  });

  it('missed more than one catch-up read takes (twice EVENTS_BACKLOG entries): stream.reset first, never a silent gap', async () => {
    const { cookie } = await signIn(t, 'far-behind@example.com', 'viewer');
    const from = await publish('log.created', {});
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2_100; i++) pipeline.xadd(keys.stream, '*', 't', 'log.created', 'd', JSON.stringify({ missed: i }));
    const ids = (await pipeline.exec())!.map(([, id]) => id as string);
    const sse = await events({ cookie, 'last-event-id': from });
    try {
      const first = await sse.waitFor(() => true);
      expect(first.event).toBe('stream.reset');
      // Its id is the newest entry's: ours, or one the app wrote since (its own audit rows).
      expect(compareIds(first.id!, ids.at(-1)!)).toBeGreaterThanOrEqual(0);
    } finally {
      sse.close();
    }
  });
});

/** Redis Stream ids ("ms-seq") in order. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

describe('shutdown', () => {
  it('ends every stream when the app closes', async () => {
    const { cookie } = await signIn(t, 'bye@example.com', 'viewer');
    const sse = await events({ cookie });
    expect(sse.status).toBe(200);
    const started = Date.now();
    await t.close();
    await sse.ended;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
