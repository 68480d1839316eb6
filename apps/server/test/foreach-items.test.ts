import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { dataKeyId } from '../src/platform/crypto/encryption';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { runCli } from './support/processes';
import { HttpTarget } from './support/providers/fake-provider';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

/**
 * Issue 16: forEach items recorded one by one in run_step_items (PostgresRunStore over the real
 * PostgreSQL): the rows of a step in progress, their removal by the step's outcome, concurrent
 * runs' items written together, and crypto:rotate re-sealing the rows of a step in progress.
 */
function twoKeys(): [Buffer, Buffer] {
  for (;;) {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    if (dataKeyId(a) !== dataKeyId(b)) return [a, b];
  }
}
const [OLD, NEW] = twoKeys();

let infra: TestInfra;
let t: TestApp;
let target: HttpTarget;
let headers: Record<string, string>;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  t = await createTestApp(infra, { role: 'all', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1', DATA_ENCRYPTION_KEY: OLD.toString('base64') } });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  headers = { 'x-api-key': (await createKey(t, ['manage_workflows', 'trigger', 'read_runs', 'manage_runs'])).key };
});
afterAll(async () => {
  await t?.close();
  await target?.stop();
  await infra?.cleanup();
});

async function workflow(path: string, timeout = 30_000): Promise<string> {
  const created = await createWorkflow(t, headers, {
    name: `each ${path}`,
    steps: [{ id: 'each', type: 'http.request', forEach: 'input.items', timeout, config: { method: 'POST', url: `${target.base}${path}`, body: { run: '{{ run.id }}', n: '{{ item }}' } } }],
  });
  return created.id;
}

async function trigger(workflowId: string, items: number[]): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${workflowId}/trigger`, headers, payload: { items } });
  expect(res.statusCode).toBe(202);
  return res.json().runId;
}

const itemRows = async (runId: string) =>
  t.runtime.database.db.selectFrom('run_step_items' as never).select(['item_index', 'status', 'output_encrypted'] as never).where('run_id' as never, '=', runId as never).orderBy('item_index' as never).execute() as Promise<
    Array<{ item_index: number; status: string; output_encrypted: Buffer | null }>
  >;

describe('forEach items in PostgreSQL (issue 16)', () => {
  it('concurrent runs record their items; each step’s outcome takes them over and leaves no row', async () => {
    const id = await workflow('/many');
    const runIds = await Promise.all(Array.from({ length: 6 }, () => trigger(id, Array.from({ length: 10 }, (_, i) => i))));
    for (const runId of runIds) {
      const run = await settledRun(t, headers, runId);
      expect(run.status).toBe('succeeded');
      expect((run.steps[0]!.output as unknown[]).length).toBe(10);
      expect(await itemRows(runId)).toEqual([]);
    }
    for (const runId of runIds) expect(target.to('/many').filter((r) => (r.body as { run: string }).run === runId)).toHaveLength(10);
  });

  it('a step in progress has its finished items recorded, sealed; crypto:rotate re-seals them with the step', async () => {
    const id = await workflow('/held', 120_000);
    // The third item's request is held: the step stays in progress with two items done.
    target.script('/held', { status: 200, body: { ok: 1 } }, { status: 200, body: { ok: 2 } }, { status: 200, hang: true });
    const runId = await trigger(id, [0, 1, 2, 3]);
    await expect.poll(() => target.to('/held').length, { timeout: 20_000 }).toBe(3);
    const rows = await itemRows(runId);
    expect(rows.map((r) => [r.item_index, r.status])).toEqual([[0, 'succeeded'], [1, 'succeeded']]);
    // Sealed under the one key (the layout without a key id while no rotation is configured).
    for (const row of rows) expect(row.output_encrypted![0]).toBe(1);

    const env = { DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix, DATA_ENCRYPTION_KEY: NEW.toString('base64'), DATA_ENCRYPTION_PREVIOUS_KEYS: OLD.toString('base64') };
    const rotated = await runCli(['crypto:rotate', '--json'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    // The step's own row holds nothing sealed yet: only its items made it stale.
    const after = await itemRows(runId);
    expect(after.map((r) => r.output_encrypted![0])).toEqual([0x80 | dataKeyId(NEW), 0x80 | dataKeyId(NEW)]);

    const cancelled = await t.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers });
    expect(cancelled.statusCode).toBeLessThan(300);
    await settledRun(t, headers, runId);
  });
});
