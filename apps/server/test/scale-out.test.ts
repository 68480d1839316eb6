import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { reconcileRunsJob } from '../src/queues/job-catalog';
import { QueuesService } from '../src/queues/queues.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, signIn } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { type RoleProcess, startRole } from './support/processes';
import { openSse, type SseConnection, type SseEvent } from './support/sse';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Issue 16, scale-out: three gateways and three workers as real processes on one PostgreSQL
 * database and one Redis prefix behave as one process (SPEC §1): webhook keys, rate limits,
 * idempotency, API-key revocation, schedules, live events and the reconciliation sweep.
 */
let infra: TestInfra;
/** In-process, for what needs no HTTP: keys, a session, the database, the maintenance queue. */
let setup: TestApp;
let target: HttpTarget;
const gateways: RoleProcess[] = [];
const workers: RoleProcess[] = [];
let ops: string;
let cookie: string;
const HOOK = 'scale-hook';
/** A dashboard's live events on gateway C, open from the start (see the events test). */
let dashboard: SseConnection;

/** Six processes start at once on a machine that may be busy. */
const STARTUP_MS = 90_000;

const db = () => setup.runtime.database.db;

async function call(gateway: RoleProcess, method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${gateway.base}${path}`, {
    method,
    headers: { 'x-api-key': options.key ?? ops, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown>, text };
}

const trigger = (gateway: RoleProcess, body: unknown = {}, headers: Record<string, string> = {}) => call(gateway, 'POST', `/api/v1/triggers/${HOOK}`, { body, headers });

async function settled(runId: string): Promise<string> {
  let status = '';
  await expect
    .poll(async () => (status = String((await call(gateways[0]!, 'GET', `/api/v1/runs/${runId}`)).json().status)), { timeout: 20_000, interval: 100 })
    .toMatch(/^(succeeded|dead)$/);
  return status;
}

/** The requests the workflow's step made for one run (its body names the run). */
const hits = (runId: string) => target.to('/hook').filter((r) => (r.body as { run?: string }).run === runId).length;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  setup = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([setup.app.get(ApiKeysService).ready, setup.app.get(WorkflowCatalog).ready]);
  ops = (await createKey(setup, ['manage_workflows', 'manage_keys', 'trigger', 'read_runs', 'read_logs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
  cookie = (await signIn(setup, 'watcher@example.com', 'viewer')).cookie;
  // A long key cache: only the change notification can make a gateway forget a revoked key in time.
  const gatewayEnv = { LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_DELAY_MS: '0', API_KEY_CACHE_TTL_MS: '600000' };
  const workerEnv = { LOG_LEVEL: 'warn', HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1', RUN_RECONCILE_INTERVAL_MS: '1000' };
  // Each is kept as soon as it is up, so afterAll stops it even if another fails to start.
  const start = async (list: RoleProcess[], role: 'gateway' | 'worker', env: Record<string, string>) => list.push(await startRole(infra, role, env, STARTUP_MS));
  await Promise.all([...[0, 1, 2].map(() => start(gateways, 'gateway', gatewayEnv)), ...[0, 1, 2].map(() => start(workers, 'worker', workerEnv))]);
  dashboard = await openSse(`${gateways[2]!.base}/api/v1/events`, { cookie });
  expect(dashboard.status).toBe(200);
}, STARTUP_MS + 30_000);
afterAll(async () => {
  dashboard?.close();
  for (const p of [...gateways, ...workers]) if (p.proc.child.exitCode === null) p.proc.child.kill('SIGKILL');
  await setup?.close();
  await target?.stop();
  await infra?.cleanup();
});

describe('3 gateways × 3 workers on one PostgreSQL and one Redis', () => {
  it('a webhook key created through gateway A is triggerable on B and C at once', async () => {
    const [a, b, c] = gateways as [RoleProcess, RoleProcess, RoleProcess];
    // B has looked the key up before it existed.
    expect((await trigger(b)).status).toBe(404);
    const created = await call(a, 'POST', '/api/v1/workflows', {
      body: {
        name: 'scale hook',
        version: '1.0.0',
        triggers: [{ type: 'webhook', key: HOOK }],
        steps: [{ id: 'call', type: 'http.request', config: { method: 'POST', url: `${target.base}/hook`, body: { run: '{{ run.id }}' } } }],
      },
    });
    expect(created.status, created.text).toBe(201);
    const [onB, onC] = await Promise.all([trigger(b), trigger(c)]);
    expect([onB.status, onC.status]).toEqual([202, 202]);
    const runs = [String(onB.json().runId), String(onC.json().runId)];
    for (const runId of runs) expect(await settled(runId)).toBe('succeeded');
    expect(runs.map(hits)).toEqual([1, 1]);
  });

  it('a rate limit is shared by the gateways, not multiplied by them', async () => {
    const limited = (await createKey(setup, ['read_runs'], { rateLimit: { burst: 6, perSecond: 0.01 } })).key;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(gateways[i % 3]!, 'GET', '/api/v1/runs?limit=1', { key: limited })));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array<number>(6).fill(200), ...Array<number>(6).fill(429)]);
    for (const refused of answers.filter((r) => r.status === 429)) expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the same Idempotency-Key on three gateways at once starts one run; the others replay it or get 409', async () => {
    const headers = { 'idempotency-key': `scale-${Date.now()}` };
    const body = { applicant: 'same' };
    const answers = await Promise.all(gateways.map((g) => trigger(g, body, headers)));
    const first = answers.filter((r) => r.status === 202 && r.headers.get('idempotent-replayed') === null);
    expect(first).toHaveLength(1);
    const runId = String(first[0]!.json().runId);
    for (const other of answers.filter((r) => r !== first[0])) {
      if (other.status === 409) continue;
      expect([other.status, other.headers.get('idempotent-replayed'), other.json().runId]).toEqual([202, 'true', runId]);
    }
    expect(await settled(runId)).toBe('succeeded');
    // Once the first has finished, every gateway replays it.
    for (const again of await Promise.all(gateways.map((g) => trigger(g, body, headers)))) {
      expect([again.status, again.headers.get('idempotent-replayed'), again.json().runId]).toEqual([202, 'true', runId]);
    }
    expect(hits(runId)).toBe(1);
  });

  it('a key revoked through gateway A is refused by B and C within 1 s (SPEC §1)', async () => {
    const [a, b, c] = gateways as [RoleProcess, RoleProcess, RoleProcess];
    const { id, key } = await createKey(setup, ['read_runs']);
    // Now cached by every gateway.
    for (const g of gateways) expect((await call(g, 'GET', '/api/v1/runs?limit=1', { key })).status).toBe(200);
    expect((await call(a, 'DELETE', `/api/v1/api-keys/${id}`)).status).toBe(204);
    const revokedAt = Date.now();
    const refusedAfter = async (g: RoleProcess) => {
      await expect.poll(async () => (await call(g, 'GET', '/api/v1/runs?limit=1', { key })).status, { timeout: 1_000, interval: 20 }).toBe(401);
      return Date.now() - revokedAt;
    };
    const [onB, onC] = await Promise.all([refusedAfter(b), refusedAfter(c)]);
    console.log(`scale-out: a key revoked on A was refused by B after ${onB} ms and by C after ${onC} ms`);
  });

  it('a per-second schedule makes one run per fire with three workers', async () => {
    const created = await call(gateways[1]!, 'POST', '/api/v1/workflows', {
      body: { name: 'scale tick', version: '1.0.0', triggers: [{ type: 'cron', schedule: '* * * * * *' }], steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }] },
    });
    expect(created.status, created.text).toBe(201);
    const id = String(created.json().id);
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs WHERE workflow_id = ${id} AND status = 'succeeded'`.execute(db())).rows[0]!.n;
    await expect.poll(count, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(4);
    expect((await call(gateways[2]!, 'PATCH', `/api/v1/workflows/${id}`, { body: { enabled: false } })).status).toBe(200);
    const { rows } = await sql<{ at: number }>`SELECT extract(epoch FROM created_at)::float8 AS at FROM runs WHERE workflow_id = ${id} ORDER BY created_at`.execute(db());
    const seconds = rows.map((r) => r.at);
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(seconds.every((s) => Number.isInteger(s))).toBe(true);
    expect(seconds.at(-1)! - seconds[0]!).toBe(seconds.length - 1);
  });

  // The dashboard opened before the tests above: every process re-reads the shared listeners key
  // once a second (docs/events.md), so by now all of them publish (the schedule alone took seconds).
  it('a dashboard on gateway C sees a run triggered on A and executed by a worker', async () => {
    const runId = String((await trigger(gateways[0]!)).json().runId);
    const isRun = (event: string, status?: string) => (e: SseEvent) =>
      e.event === event && (e.data as { id: string }).id === runId && (status === undefined || (e.data as { status: string }).status === status);
    await dashboard.waitFor(isRun('run.created'));
    const done = await dashboard.waitFor(isRun('run.updated', 'succeeded'));
    expect(done.data).toMatchObject({ trigger: { type: 'webhook', key: HOOK }, attempts: 1 });
  });

  it('a run stuck queued in PostgreSQL whose job was lost is re-queued once, even by three sweeps at once', async () => {
    const runId = String((await trigger(gateways[0]!)).json().runId);
    expect(await settled(runId)).toBe('succeeded');
    // As if the worker had recorded the run and its job had then vanished from Redis.
    await db().updateTable('runs').set({ status: 'queued', finished_at: null, job_id: 'vanished', updated_at: new Date(Date.now() - 3_600_000) }).where('id', '=', runId).execute();
    await db().deleteFrom('run_steps').where('run_id', '=', runId).execute();
    // Three sweeps at once, besides the scheduled ones: the workers take them together.
    const maintenance = setup.app.get(QueuesService).get(reconcileRunsJob.queue);
    await maintenance.addBulk([0, 1, 2].map((i) => ({ name: reconcileRunsJob.name, data: {}, opts: { ...reconcileRunsJob.options, jobId: `sweep-${runId}-${i}` } })));
    await expect.poll(() => hits(runId), { timeout: 20_000, interval: 100 }).toBe(2);
    expect(await settled(runId)).toBe('succeeded');
    // The three sweeps are over once their jobs are completed; later scheduled ones find the run finished.
    await expect
      .poll(async () => (await Promise.all([0, 1, 2].map(async (i) => (await maintenance.getJob(`sweep-${runId}-${i}`))?.finishedOn))).every(Boolean), { timeout: 20_000, interval: 100 })
      .toBe(true);
    // The jobs the sweeps queued for the run (completed run jobs are kept a day).
    const jobs = await setup.app.get(QueuesService).get('default').getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized']);
    expect(jobs.filter((j) => j.id?.startsWith(`${runId}:reconcile:`))).toHaveLength(1);
    expect(hits(runId)).toBe(2);
  });
});
