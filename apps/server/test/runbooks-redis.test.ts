import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { freePort } from './support/processes';
import { runbook } from './support/runbook';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-redis-runbook-'));
let port = 0;
let redis: ChildProcess | undefined;
let infra: TestInfra;
let redisUrl = '';
let gateway: TestApp;
let worker: TestApp | undefined;
let key = '';
let url = '';

/** This test's own redis-server, configured as the runbook requires (AOF, noeviction), so it can crash and restart it. */
async function startRedis() {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--save', ''], { stdio: 'ignore' });
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  try {
    // Polled by hand: this also runs in beforeAll, where expect.poll is not available.
    for (const deadline = Date.now() + 10_000; (await probe.ping().catch(() => 'down')) !== 'PONG'; ) {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    probe.disconnect();
  }
}

async function crashRedis() {
  const child = redis!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  redis = undefined;
}

beforeAll(async () => {
  port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  await startRedis();
  infra = await createTestInfra();
  gateway = await createTestApp({ ...infra, redisUrl }, { role: 'gateway', env: { DATA_ENCRYPTION_KEY } });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(gateway.app.getHttpServer().address() as AddressInfo).port}`;
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'trigger', 'read_runs', 'read_queues'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await worker?.close();
  await gateway?.close();
  if (redis) await crashRedis();
  await infra?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const book = runbook('redis-failover-restore.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: key, DATABASE_URL: infra.databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: infra.redisPrefix, DATA_ENCRYPTION_KEY }));

describe('runbook: Redis failover and restore (AOF)', () => {
  it('Redis crashes with jobs queued: ingestion 503, the diagnosis names Redis; restarted from its AOF the jobs are there and run', async () => {
    const created = await createWorkflow(gateway, key, { steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }] });
    const trigger = () => gateway.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': key }, payload: {} });
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) queued.push((await trigger()).json().runId);

    await crashRedis();
    const refused = await trigger();
    expect(refused.statusCode).toBe(503);
    expect(refused.json().type).toBe('/problems/unavailable');

    const diagnose = await book.run('diagnose');
    expect(diagnose.code, diagnose.stderr).toBe(0);
    const [health, cli] = diagnose.stdout.trim().split('\n');
    expect(JSON.parse(health!)).toMatchObject({ status: 'error', redis: { status: 'down' } });
    expect(cli).toBe('redis-cli: Redis does not answer');

    await startRedis(); // the restore: the same data directory, its AOF replayed

    const verifyRedis = await book.run('verify-redis');
    expect(verifyRedis).toMatchObject({ code: 0, stderr: '' });
    expect(verifyRedis.stdout.replace(/\r/g, '').trim().split('\n')).toEqual(['PONG', 'appendonly', 'yes', 'maxmemory-policy', 'noeviction', 'loading:0', 'aof_enabled:1', 'aof_last_write_status:ok']);

    await expect.poll(async () => (await book.run('verify-product')).stdout.split('\n')[0], { timeout: 20_000, interval: 200 }).toBe('ok');
    expect((await book.run('verify-product')).stdout).toContain('default waiting=3 active=0 delayed=0 failed=0 workers=0');
    await expect.poll(async () => (await trigger()).statusCode, { timeout: 20_000, interval: 200 }).toBe(202);

    worker = await createTestApp({ ...infra, redisUrl }, { role: 'worker', env: { DATA_ENCRYPTION_KEY } });
    await expect.poll(async () => (await book.run('verify-product')).stdout, { timeout: 20_000, interval: 200 }).toContain('default waiting=0 active=0 delayed=0 failed=0 workers=1');
    await expect
      .poll(async () => (await book.run('verify-runs')).stdout.trim().split('\n').filter((l) => l.includes(' succeeded ')).length, { timeout: 20_000, interval: 200 })
      .toBe(4);
    for (const id of queued) expect((await book.run('verify-runs')).stdout).toContain(`${id} succeeded`);
  }, 120_000);
});
