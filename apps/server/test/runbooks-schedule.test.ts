import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { QueuesService } from '../src/queues/queues.service';
import { scheduleId } from '../src/scheduler/cron-schedules';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { runbook } from './support/runbook';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
let infra: TestInfra;
let gateway: TestApp;
let worker: TestApp | undefined;
let key = '';
let url = '';

beforeAll(async () => {
  infra = await createTestInfra();
  gateway = await createTestApp(infra, { role: 'gateway', env: { DATA_ENCRYPTION_KEY } });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(gateway.app.getHttpServer().address() as AddressInfo).port}`;
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'read_runs', 'read_queues', 'read_logs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await worker?.close();
  await gateway?.close();
  await infra?.cleanup();
});

const book = runbook('stuck-schedule.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: key, DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix, DATA_ENCRYPTION_KEY }));

describe('runbook: stuck schedule', () => {
  it('no worker, then a scheduler lost from Redis, then an orphan: list shows each, reconcile fixes it, the cron runs come', async () => {
    const { id: workflowId } = await createWorkflow(gateway, key, { name: 'every second', triggers: [{ type: 'cron', schedule: '* * * * * *', payload: {} }] });
    const sid = scheduleId(workflowId, 0);

    // 1. No worker has run since the workflow was created: its scheduler was never made.
    const missing = await book.run('list');
    expect(missing).toMatchObject({ code: 0, stderr: '' });
    expect(missing.stdout).toBe(`${sid}  missing  "* * * * * *" UTC  next -  last cron run never  every second\n`);
    expect(await book.run('workers')).toMatchObject({ code: 0, stdout: 'workers=0 waiting=0 delayed=0 failed=0\n' });
    expect(await book.run('runs', { workflowId })).toMatchObject({ code: 0, stdout: '' });

    // Starting a worker reconciles at once; the periodic pass is made rare so the next loss stays until fixed by hand.
    worker = await createTestApp(infra, { role: 'worker', env: { DATA_ENCRYPTION_KEY, SCHEDULE_RECONCILE_INTERVAL_MS: '3600000' } });
    await expect.poll(async () => (await book.run('workers')).stdout, { timeout: 10_000, interval: 100 }).toMatch(/^workers=1 /);
    await expect.poll(async () => (await book.run('runs', { workflowId })).stdout, { timeout: 15_000, interval: 200 }).toMatch(/ succeeded /);
    const logs = await book.run('logs', { workflowId });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/ schedule added \* \* \* \* \* \*\n/);

    // 2. Redis lost the scheduler (restored from an older copy): nothing fires until someone looks.
    await gateway.app.get(QueuesService).get('critical').removeJobScheduler(sid);
    const lost = await book.run('list');
    expect(lost.stdout).toMatch(new RegExp(`^${sid}  missing  "\\* \\* \\* \\* \\* \\*" UTC  next -  last cron run \\S+ (succeeded|running|queued)  every second\\n$`));
    expect(await book.run('reconcile')).toMatchObject({ code: 0, stdout: `added: ${sid}\n` });
    const fixed = await book.run('verify');
    const next = /next (\S+)/.exec(fixed.stdout)![1]!;
    expect(fixed.stdout).toMatch(new RegExp(`^${sid}  ok  `));
    expect(Date.parse(next)).toBeGreaterThan(Date.now() - 2_000);
    expect(await book.run('reconcile')).toMatchObject({ code: 0, stdout: 'schedules already match the workflows\n' });

    // 3. A scheduler nobody wants (a workflow deleted while Redis was away).
    const orphan = 'cron-00000000-0000-4000-8000-00000000dead-0';
    await gateway.app.get(QueuesService).get('critical').upsertJobScheduler(orphan, { pattern: '0 3 * * *' }, { name: 'cron-fire', data: { v: 1, workflowId: '00000000-0000-4000-8000-00000000dead', triggerIndex: 0 } });
    expect((await book.run('list')).stdout).toContain(`${orphan}  orphan   "0 3 * * *" UTC  next `);
    expect(await book.run('reconcile')).toMatchObject({ code: 0, stdout: `removed: ${orphan}\n` });
    expect((await book.run('verify')).stdout).not.toContain(orphan);
  }, 120_000);
});
