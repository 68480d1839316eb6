import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { runbook } from './support/runbook';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
let infra: TestInfra;
let t: TestApp;
let target: HttpTarget;
let key: string;
let url: string;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  t = await createTestApp(infra, { role: 'all', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1', DATA_ENCRYPTION_KEY } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs', 'manage_runs', 'read_logs'])).key;
});
afterAll(async () => {
  await t?.close();
  await target?.stop();
  await infra?.cleanup();
});

const book = runbook('dlq-triage-and-replay.md', () => ({
  VISAPI_URL: url,
  VISAPI_API_KEY: key,
  DATABASE_URL: infra.databaseUrl,
  REDIS_URL: infra.redisUrl,
  REDIS_PREFIX: infra.redisPrefix,
  DATA_ENCRYPTION_KEY,
}));

describe('runbook: DLQ triage and replay', () => {
  it('a run that died on a 500 is listed, inspected, dry-run replayed (1), replayed, and succeeds once the target answers 200', async () => {
    const { id: workflowId } = await createWorkflow(t, key, {
      steps: [
        { id: 'notify', type: 'http.request', config: { url: `${target.base}/notify` } },
        { id: 'deliver', type: 'http.request', retries: 0, config: { method: 'POST', url: `${target.base}/deliver` } },
      ],
    });
    target.script('/deliver', { status: 500, body: { error: 'partner down' } });
    const accepted = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${workflowId}/trigger`, headers: { 'x-api-key': key }, payload: { applicant: 'A-1' } });
    const runId = accepted.json().runId;
    expect((await settledRun(t, { 'x-api-key': key }, runId)).status).toBe('dead');

    const list = await book.run('list');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(new RegExp(`^${runId}  ${workflowId}  .*  deliver: `, 'm'));

    const inspect = await book.run('inspect', { runId });
    expect(inspect).toMatchObject({ code: 0, stderr: '' });
    const shown = JSON.parse(inspect.stdout);
    expect(shown).toMatchObject({ status: 'dead', error: { class: 'transient', stepId: 'deliver' } });
    expect(shown.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual(['notify:succeeded', 'deliver:failed']);

    const logs = await book.run('logs', { runId });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout.trim().split('\n').length).toBeGreaterThan(0);

    const dryRun = await book.run('dry-run', { runId });
    expect(dryRun).toMatchObject({ code: 0, stdout: `would replay 1 run(s):\n${runId}\n` });
    expect((await book.run('verify', { runId })).stdout).toBe('dead\n');

    const replay = await book.run('replay', { runId });
    expect(replay).toMatchObject({ code: 0, stdout: 'replayed 1 run(s)\n' });
    await expect.poll(async () => (await book.run('verify', { runId })).stdout, { timeout: 20_000, interval: 200 }).toBe('succeeded\n');
    // Resumed from the failed step: the first step's request was not sent again.
    expect(target.to('/notify')).toHaveLength(1);
    expect(target.to('/deliver')).toHaveLength(2);
    expect((await book.run('list')).stdout).not.toContain(runId);
    expect(await book.run('dry-run', { runId })).toMatchObject({ code: 0, stdout: 'would replay 0 run(s)\n' });
  }, 120_000);
});
