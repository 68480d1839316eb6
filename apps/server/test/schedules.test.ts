import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { QueuesService } from '../src/queues/queues.service';
import { scheduleId } from '../src/scheduler/cron-schedules';
import { ScheduleReconciler } from '../src/scheduler/schedule-reconciler';
import { CronFire } from '../src/scheduler/cron-fire';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let key: string;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'all' });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'read_workflows', 'read_runs', 'read_logs'])).key;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });

const definition = (version: string, triggers: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'scheduled', version, triggers, steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }], ...extra });

async function schedulers() {
  const list = await t.app.get(QueuesService).get('critical').getJobSchedulers(0, -1);
  return Object.fromEntries(list.filter((s) => (s.id ?? s.key).startsWith('cron-')).map((s) => [s.id ?? s.key, { pattern: s.pattern, tz: s.tz }]));
}

const eventually = (check: () => Promise<unknown>, expected: unknown) => expect.poll(check, { timeout: 10_000, interval: 50 }).toEqual(expected);

describe('cron schedulers follow the database', () => {
  it('added on create, updated on a new version, removed on disable and archive, back on enable — each change logged', async () => {
    const created = await call('POST', '/api/v1/workflows', definition('1.0.0', [{ type: 'cron', schedule: '0 9 * * 1-5', timezone: 'Asia/Jerusalem' }, { type: 'manual' }]));
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const sid = scheduleId(id, 0);
    await eventually(schedulers, { [sid]: { pattern: '0 9 * * 1-5', tz: 'Asia/Jerusalem' } });

    expect((await call('PUT', `/api/v1/workflows/${id}`, definition('1.1.0', [{ type: 'cron', schedule: '30 8 * * *', timezone: 'America/New_York' }]))).statusCode).toBe(200);
    await eventually(schedulers, { [sid]: { pattern: '30 8 * * *', tz: 'America/New_York' } });

    expect((await call('PATCH', `/api/v1/workflows/${id}`, { enabled: false })).statusCode).toBe(200);
    await eventually(schedulers, {});
    expect((await call('PATCH', `/api/v1/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    await eventually(schedulers, { [sid]: { pattern: '30 8 * * *', tz: 'America/New_York' } });
    expect((await call('DELETE', `/api/v1/workflows/${id}`)).statusCode).toBe(204);
    await eventually(schedulers, {});

    await t.app.get(LogService).writer.flush();
    const logs = (await call('GET', `/api/v1/logs?workflowId=${id}&limit=50`)).json().items.map((r: { message: string }) => r.message);
    expect(logs).toEqual(expect.arrayContaining(['schedule added', 'schedule updated', 'schedule removed (no enabled workflow has this cron trigger)']));
  });

  it('the periodic pass repairs drift: an orphan scheduler is removed, a changed one restored', async () => {
    const created = await call('POST', '/api/v1/workflows', definition('1.0.0', [{ type: 'cron', schedule: '0 3 * * *' }], { name: 'drift' }));
    const sid = scheduleId(created.json().id, 0);
    await eventually(async () => (await schedulers())[sid], { pattern: '0 3 * * *', tz: 'UTC' });
    const queue = t.app.get(QueuesService).get('critical');
    const orphan = scheduleId('00000000-0000-4000-8000-00000000dead', 0);
    await queue.upsertJobScheduler(orphan, { pattern: '* * * * *' }, { name: 'cron-fire', data: { v: 1, workflowId: '00000000-0000-4000-8000-00000000dead', triggerIndex: 0 } });
    await queue.upsertJobScheduler(sid, { pattern: '0 4 * * *', tz: 'UTC' }, { name: 'cron-fire', data: { v: 1, workflowId: created.json().id, triggerIndex: 0 } });

    const corrections = await t.app.get(ScheduleReconciler).reconcile();
    expect(corrections).toEqual({ added: [], updated: [sid], removed: [orphan] });
    expect((await schedulers())[sid]).toEqual({ pattern: '0 3 * * *', tz: 'UTC' });
    expect((await schedulers())[orphan]).toBeUndefined();
    expect(await t.app.get(ScheduleReconciler).reconcile()).toEqual({ added: [], updated: [], removed: [] });
    await call('DELETE', `/api/v1/workflows/${created.json().id}`);
  });
});

describe('a fire', () => {
  it('becomes one run with the trigger’s payload, triggered at the fire time, trigger type cron', async () => {
    const created = await call(
      'POST',
      '/api/v1/workflows',
      definition('1.0.0', [{ type: 'cron', schedule: '* * * * * *', payload: { applicationId: 'A-1' } }], { name: 'every second', inputSchema: { type: 'object', required: ['applicationId'] } }),
    );
    const id = created.json().id;
    await expect.poll(async () => (await call('GET', `/api/v1/runs?workflowId=${id}&status=succeeded`)).json().items.length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    await call('PATCH', `/api/v1/workflows/${id}`, { enabled: false });
    const [run] = (await call('GET', `/api/v1/runs?workflowId=${id}&status=succeeded`)).json().items;
    const detail = (await call('GET', `/api/v1/runs/${run.id}`)).json();
    expect(detail).toMatchObject({ trigger: { type: 'cron', key: '* * * * * *' }, input: { applicationId: 'A-1' }, status: 'succeeded' });
    expect(new Date(detail.createdAt).getMilliseconds()).toBe(0);
  });

  it('a fire handled twice queues one run; jitterSeconds delays it by up to that much', async () => {
    const created = await call('POST', '/api/v1/workflows', definition('1.0.0', [{ type: 'cron', schedule: '0 0 1 1 *', jitterSeconds: 60 }], { name: 'jittered' }));
    const workflowId = created.json().id;
    const firedAt = Date.UTC(2027, 0, 1);
    const job = { id: `repeat:${scheduleId(workflowId, 0)}:${firedAt}`, repeatJobKey: scheduleId(workflowId, 0), data: { v: 1, workflowId, triggerIndex: 0 }, opts: { prevMillis: firedAt }, timestamp: firedAt };
    const first = await t.app.get(CronFire).fire(job as never);
    const second = await t.app.get(CronFire).fire(job as never);
    expect(first.runId).toEqual(expect.any(String));
    expect(second.runId).toBe(first.runId);
    const queued = await t.app.get(QueuesService).get('default').getJob(first.runId!);
    expect(queued?.opts.delay).toBeGreaterThanOrEqual(0);
    expect(queued?.opts.delay).toBeLessThanOrEqual(60_000);
    expect(queued?.data.triggeredAt).toBe(new Date(firedAt).toISOString());
    const counts = await t.app.get(QueuesService).get('default').getJobs(['delayed', 'waiting', 'active', 'completed']);
    expect(counts.filter((j) => j.data?.workflowId === workflowId)).toHaveLength(1);
    await call('DELETE', `/api/v1/workflows/${workflowId}`);
  });

  it('a payload its inputSchema refuses makes no run and an error log row', async () => {
    const created = await call('POST', '/api/v1/workflows', definition('1.0.0', [{ type: 'cron', schedule: '* * * * * *', payload: {} }], { name: 'bad payload', inputSchema: { type: 'object', required: ['applicationId'] } }));
    const id = created.json().id;
    await t.app.get(LogService).writer.flush();
    await expect
      .poll(async () => {
        await t.app.get(LogService).writer.flush();
        return (await call('GET', `/api/v1/logs?workflowId=${id}&level=error`)).json().items.length;
      }, { timeout: 10_000, interval: 100 })
      .toBeGreaterThanOrEqual(1);
    await call('PATCH', `/api/v1/workflows/${id}`, { enabled: false });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs WHERE workflow_id = ${id}`.execute(t.runtime.database.db);
    expect(rows[0]!.n).toBe(0);
  });
});
