import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { QueuesService } from '../src/queues/queues.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let gateway: TestApp;
let worker: TestApp;
let proxy: TcpProxy;
let target: HttpTarget;
let key: string;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  const proxied = await TcpProxy.forUrl(infra.databaseUrl);
  proxy = proxied.proxy;
  gateway = await createTestApp(infra, { role: 'gateway' });
  worker = await createTestApp({ ...infra, databaseUrl: proxied.url }, { role: 'worker', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' } });
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'trigger', 'read_runs'])).key;
});
afterAll(async () => {
  proxy?.restore();
  await Promise.all([gateway?.close(), worker?.close()]);
  await proxy?.close();
  await target?.stop();
  await infra?.cleanup();
});

describe('PostgreSQL down while the worker runs', () => {
  it('the run waits, then completes once when the database returns', async () => {
    const created = await createWorkflow(gateway, key, { steps: [{ id: 'send', type: 'http.request', config: { method: 'POST', url: `${target.base}/outage` } }] });
    proxy.cut();
    const accepted = await gateway.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': key }, payload: {} });
    expect(accepted.statusCode).toBe(202); // ingestion does not need PostgreSQL
    const { runId } = accepted.json();
    const queues = gateway.app.get(QueuesService);
    await expect.poll(async () => (await queues.get('default').getJob(runId))?.attemptsMade ?? 0, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    expect(target.to('/outage')).toHaveLength(0);

    proxy.restore();
    await expect
      .poll(async () => (await gateway.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: { 'x-api-key': key } })).json().status, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    expect(target.to('/outage')).toHaveLength(1);
  });

  it('a step answered while PostgreSQL is lost: its result waits for the database, and the step is not sent again', async () => {
    // A target that holds the first request until the database is gone, then answers it.
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const requests: string[] = [];
    const held = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(req.url ?? '');
        if (requests.length > 1) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        arrived();
        void answered.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
      });
    });
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(held.address() as { port: number }).port}/held`;
      const created = await createWorkflow(gateway, key, { steps: [{ id: 'send', type: 'http.request', config: { method: 'POST', url } }] });
      const accepted = await gateway.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': key }, payload: {} });
      expect(accepted.statusCode).toBe(202);
      const { runId } = accepted.json();
      await firstArrived;
      proxy.cut();
      const refusedBefore = proxy.refused;
      answer();
      // The worker tries to store the step's result and finds the database gone.
      await expect.poll(() => proxy.refused, { timeout: 15_000, interval: 50 }).toBeGreaterThan(refusedBefore);
      proxy.restore();
      await expect
        .poll(async () => (await gateway.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: { 'x-api-key': key } })).json().status, { timeout: 30_000, interval: 200 })
        .toBe('succeeded');
      expect(requests).toEqual(['/held']);
    } finally {
      proxy.restore();
      held.close();
    }
  });
});
