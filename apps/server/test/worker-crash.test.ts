import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { startWorkerProcess, type VisapiProcess } from './support/processes';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let gateway: TestApp;
let target: HttpTarget;
let key: string;
const workers: VisapiProcess[] = [];

async function startWorker(): Promise<VisapiProcess> {
  const proc = await startWorkerProcess(infra, {
    HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  workers.push(proc);
  return proc;
}

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  gateway = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'trigger', 'read_runs'])).key;
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await gateway?.close();
  await target?.stop();
  await infra?.cleanup();
});

describe('a worker killed with SIGKILL mid-run', () => {
  it('another worker resumes the run at the unfinished step; the step that was sent is not sent again', async () => {
    const { id: workflowId } = await createWorkflow(gateway, key, {
      steps: [
        { id: 'notify', type: 'http.request', config: { method: 'POST', url: `${target.base}/notify` } },
        { id: 'slow', type: 'http.request', timeout: 60_000, config: { method: 'POST', url: `${target.base}/slow` } },
      ],
    });
    target.script('/slow', { status: 200, hang: true }); // the first attempt never gets an answer

    const first = await startWorker();
    const accepted = await gateway.app.inject({ method: 'POST', url: `/api/v1/workflows/${workflowId}/trigger`, headers: { 'x-api-key': key }, payload: {} });
    const { runId } = accepted.json();
    await expect.poll(() => target.to('/slow').length, { timeout: 15_000 }).toBe(1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    await startWorker();
    let run: { status: string; steps: Array<{ id: string; status: string; attempts: number }> } = { status: '', steps: [] };
    await expect
      .poll(async () => {
        run = (await gateway.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: { 'x-api-key': key } })).json();
        return run.status;
      }, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([['notify', 'succeeded', 1], ['slow', 'succeeded', 2]]);
    expect(target.to('/notify')).toHaveLength(1);
    expect(target.to('/slow')).toHaveLength(2);
  });
});
