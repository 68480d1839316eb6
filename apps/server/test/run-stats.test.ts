import { randomUUID } from 'node:crypto';
import type { RunStats, RunStatus } from '@visapi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { createKey, signIn } from './support/auth-helpers';
import { RunStatsRepository } from '../src/runs/run-stats.repository';
import { RunStatsService } from '../src/runs/run-stats.service';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

// Runs are written as the worker leaves them (status, created_at, finished_at, updated_at), at
// known moments, so the per-minute buckets, the percentiles and the order can be checked exactly.

let infra: TestInfra;
let t: TestApp;
let reader: string;
const workflowId = randomUUID();
const MINUTE = 60_000;

beforeAll(async () => {
  infra = await createTestInfra();
  // Each test reads the figures of the rows it just wrote: no reuse of an earlier answer.
  t = await createTestApp(infra, { role: 'gateway', env: { RUN_STATS_REUSE_MS: '0' } });
  await t.app.get(ApiKeysService).ready;
  reader = (await createKey(t, ['read_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
  await t.runtime.database.db.insertInto('workflows').values({ id: workflowId, name: 'stats', current_version: '1.0.0' }).execute();
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const get = (url: string, headers: Record<string, string> = { 'x-api-key': reader }) => t.app.inject({ method: 'GET', url, headers });
const stats = async (query = ''): Promise<RunStats> => {
  const res = await get(`/api/v1/runs/stats${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

type TriggerType = 'webhook' | 'cron' | 'manual' | 'replay';
async function insertRun(run: { status: RunStatus; created: number; finished?: number; updated?: number; trigger?: TriggerType }): Promise<string> {
  const id = randomUUID();
  const finished = run.finished === undefined ? null : new Date(run.finished);
  await t.runtime.database.db
    .insertInto('runs')
    .values({
      id,
      workflow_id: workflowId,
      workflow_version: '1.0.0',
      status: run.status,
      trigger_type: run.trigger ?? 'webhook',
      queue: 'default',
      created_at: new Date(run.created),
      started_at: run.status === 'queued' ? null : new Date(run.created),
      finished_at: finished,
      updated_at: new Date(run.updated ?? run.finished ?? run.created),
      error: run.status === 'dead' || run.status === 'failed' ? JSON.stringify({ class: 'permanent', message: 'boom', stepId: 'send' }) : null,
    })
    .execute();
  return id;
}

const iso = (ms: number) => new Date(ms).toISOString();
const bucketAt = (body: RunStats, minuteStart: number) => body.buckets.find((b) => b.at === iso(minuteStart));

describe('GET /api/v1/runs/stats', () => {
  it('with no runs: every minute of the window zero, oldest first; no success rate or latency', async () => {
    const before = Date.now();
    const body = await stats();
    expect(body.buckets).toHaveLength(60);
    expect(body.buckets.every((b) => b.created + b.succeeded + b.dead + b.cancelled + b.failed === 0)).toBe(true);
    const starts = body.buckets.map((b) => Date.parse(b.at));
    expect(starts.every((at, i) => at % MINUTE === 0 && (i === 0 || at - starts[i - 1]! === MINUTE))).toBe(true);
    expect(body.from).toBe(body.buckets[0]!.at);
    const to = Date.parse(body.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to - starts.at(-1)!).toBeLessThan(MINUTE); // the last bucket is the minute in progress
    expect(body.totals).toEqual({ created: 0, succeeded: 0, dead: 0, cancelled: 0, failed: 0, successRate: null });
    expect(body.latencyMs).toEqual({ p50: null, p95: null, count: 0 });
    expect(body.recentFailures).toEqual([]);
  });

  it('counts runs by the minute they were created or finished, with totals, success rate, latency percentiles and recent failures', async () => {
    // Two minutes ago and the minute before: inside a 5-minute window even if the minute turns during the test.
    const m0 = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
    const m1 = m0 - MINUTE;
    for (const latency of [1000, 2000, 3000, 4000, 5000]) await insertRun({ status: 'succeeded', created: m0 + 30_000 - latency, finished: m0 + 30_000 });
    const dead = [await insertRun({ status: 'dead', created: m0 + 10_000, finished: m0 + 20_000 }), await insertRun({ status: 'dead', created: m0 + 10_000, finished: m0 + 21_000 })];
    const failed = [];
    for (const s of [40, 41, 42]) failed.push(await insertRun({ status: 'failed', created: m0 + 5_000, updated: m0 + s * 1000 }));
    await insertRun({ status: 'queued', created: m0 + 50_000 });
    await insertRun({ status: 'cancelled', created: m1 + 1_000, finished: m1 + 2_000 });
    // Three hours ago: in a day's window, not an hour's.
    const old = Date.now() - 3 * 60 * MINUTE;
    await insertRun({ status: 'succeeded', created: old - 10_000, finished: old });
    const oldDead = await insertRun({ status: 'dead', created: old - 1_000, finished: old });

    const hour = await stats();
    expect(bucketAt(hour, m0)).toEqual({ at: iso(m0), created: 11, succeeded: 5, dead: 2, cancelled: 0, failed: 3 });
    expect(bucketAt(hour, m1)).toEqual({ at: iso(m1), created: 1, succeeded: 0, dead: 0, cancelled: 1, failed: 0 });
    expect(hour.totals).toEqual({ created: 12, succeeded: 5, dead: 2, cancelled: 1, failed: 3, successRate: 5 / 7 });
    // percentile_cont interpolates: p95 of 1..5 s is 4 s + 0.8 s.
    expect(hour.latencyMs).toEqual({ p50: 3000, p95: 4800, count: 5 });
    expect(hour.recentFailures.map((r) => r.id)).toEqual([...failed.reverse(), dead[1], dead[0], oldDead]);
    expect(hour.recentFailures[0]).toMatchObject({ status: 'failed', workflowId, trigger: { type: 'webhook' }, error: { class: 'permanent', message: 'boom' } });
    expect(hour.recentFailures[0]).not.toHaveProperty('input');

    const five = await stats('?minutes=5');
    expect(five.buckets).toHaveLength(5);
    expect(five.totals).toEqual(hour.totals);
    expect(five.buckets.reduce((n, b) => n + b.created, 0)).toBe(12);

    const day = await stats('?minutes=1440');
    expect(day.buckets).toHaveLength(1440);
    expect(day.totals).toEqual({ created: 14, succeeded: 6, dead: 3, cancelled: 1, failed: 3, successRate: 6 / 9 });
    expect(day.latencyMs).toMatchObject({ p50: 3500, count: 6 });
    const oldMinute = Math.floor(old / MINUTE) * MINUTE;
    expect(bucketAt(day, oldMinute)).toMatchObject({ succeeded: 1, dead: 1 });
  });

  it('reuses an answer for RUN_STATS_REUSE_MS per window size, and shares a query in flight', async () => {
    const reusing = new RunStatsService({ RUN_STATS_REUSE_MS: 60_000 }, t.app.get(RunStatsRepository));
    const [first, concurrent] = await Promise.all([reusing.shared(60), reusing.shared(60)]);
    expect(concurrent).toBe(first);
    await insertRun({ status: 'succeeded', created: Date.now() - 1_000, finished: Date.now() });
    expect(await reusing.shared(60)).toBe(first);
    const fresh = await reusing.shared(61);
    expect(fresh.totals.succeeded).toBe(first.totals.succeeded + 1);
  });

  it('lists at most the 10 newest failures', async () => {
    const now = Date.now();
    const newest = [];
    for (let i = 10; i >= 1; i--) newest.push(await insertRun({ status: 'dead', created: now - 60_000, finished: now - i * 1000 }));
    const body = await stats();
    expect(body.recentFailures.map((r) => r.id)).toEqual(newest.reverse());
  });

  it('is not taken for a run id, and is open to viewers and read_runs keys only', async () => {
    const { cookie } = await signIn(t, 'viewer@example.com');
    expect((await get('/api/v1/runs/stats', { cookie })).statusCode).toBe(200);
    const other = await createKey(t, ['read_logs']);
    const refused = await get('/api/v1/runs/stats', { 'x-api-key': other.key });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect((await get('/api/v1/runs/stats', {})).statusCode).toBe(401);
  });

  it.each(['?minutes=4', '?minutes=1441', '?minutes=0', '?minutes=-60', '?minutes=5.5', '?minutes=hour', '?minutes=', '?window=60'])('refuses %s with a 400 problem', async (query) => {
    const res = await get(`/api/v1/runs/stats${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/validation', status: 400 });
  });
});

describe('GET /api/v1/runs?triggerType=', () => {
  it('lists only runs of that trigger type, newest first, with the other filters and pagination', async () => {
    const now = Date.now() - 5 * MINUTE;
    const replays = [];
    for (let i = 0; i < 3; i++) replays.push(await insertRun({ status: i === 0 ? 'dead' : 'succeeded', created: now + i * 1000, finished: now + i * 1000 + 500, trigger: 'replay' }));
    await insertRun({ status: 'succeeded', created: now, finished: now + 1, trigger: 'cron' });
    const page = await get('/api/v1/runs?triggerType=replay&limit=2');
    expect(page.statusCode, page.body).toBe(200);
    const rest = await get(`/api/v1/runs?triggerType=replay&limit=2&cursor=${page.json().nextCursor}`);
    const ids = [...page.json().items, ...rest.json().items].map((r: { id: string; trigger: { type: string } }) => [r.id, r.trigger.type]);
    expect(ids).toEqual([...replays].reverse().map((id) => [id, 'replay']));
    expect(rest.json().nextCursor).toBeNull();
    const succeeded = (await get('/api/v1/runs?triggerType=replay&status=succeeded')).json().items.map((r: { id: string }) => r.id);
    expect(succeeded).toEqual([replays[2], replays[1]]);
    const cron = (await get(`/api/v1/runs?triggerType=cron&workflowId=${workflowId}`)).json().items;
    expect(cron.map((r: { trigger: { type: string } }) => r.trigger.type)).toEqual(['cron']);
    expect((await get('/api/v1/runs?triggerType=manual')).json()).toEqual({ items: [], nextCursor: null });
  });

  it.each(['?triggerType=schedule', '?triggerType=', '?triggerType=WEBHOOK'])('refuses %s with a 400 problem', async (query) => {
    const res = await get(`/api/v1/runs${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation');
  });
});
