import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { startWorkerProcess, type VisapiProcess } from './support/processes';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let gateway: TestApp;
let key: string;
const workers: VisapiProcess[] = [];

async function startWorker(): Promise<VisapiProcess> {
  const proc = await startWorkerProcess(infra);
  workers.push(proc);
  return proc;
}

beforeAll(async () => {
  infra = await createTestInfra();
  gateway = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'read_runs'])).key;
  await Promise.all([startWorker(), startWorker()]);
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await gateway?.close();
  await infra?.cleanup();
});

describe('a per-second schedule with two worker processes', () => {
  it('makes exactly one run per fire: consecutive seconds, none twice', async () => {
    const { id } = await createWorkflow(gateway, key, { triggers: [{ type: 'cron', schedule: '* * * * * *' }] });
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs WHERE workflow_id = ${id} AND status = 'succeeded'`.execute(gateway.runtime.database.db)).rows[0]!.n;
    await expect.poll(count, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(6);
    await gateway.app.inject({ method: 'PATCH', url: `/api/v1/workflows/${id}`, headers: { 'x-api-key': key }, payload: { enabled: false } });

    const { rows } = await sql<{ at: number }>`SELECT extract(epoch FROM created_at)::float8 AS at FROM runs WHERE workflow_id = ${id} ORDER BY created_at`.execute(gateway.runtime.database.db);
    const seconds = rows.map((r) => r.at);
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(seconds.every((s) => Number.isInteger(s))).toBe(true);
    // No fire skipped between the first and the last.
    expect(seconds.at(-1)! - seconds[0]!).toBe(seconds.length - 1);
  });
});
