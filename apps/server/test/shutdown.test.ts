import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../src/app/shutdown';
import { ProbeModule, slowGate } from './support/probe.module';
import { freePort, spawnVisapi, waitForHealthy } from './support/processes';
import { createTestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
beforeAll(async () => {
  infra = await createTestInfra();
});
afterAll(async () => {
  await infra?.cleanup();
});

const envFor = (infra: TestInfra, extra: Record<string, string>) => ({
  DATABASE_URL: infra.databaseUrl,
  REDIS_URL: infra.redisUrl,
  REDIS_PREFIX: infra.redisPrefix,
  LOG_LEVEL: 'info',
  ...extra,
});

describe('graceful shutdown (in process)', () => {
  it('reports draining, then stops accepting, and finishes the request in flight', async () => {
    const t = await createTestApp(infra, {
      role: 'gateway',
      imports: [ProbeModule],
      env: { SHUTDOWN_DRAIN_DELAY_MS: '400' },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = await t.app.getUrl();
    const url = base.replace('[::1]', '127.0.0.1');

    slowGate.released = slowGate.reset();
    const inFlight = fetch(`${url}/test/slow`);
    await slowGate.entered;
    const stopping = shutdown(t.app, t.runtime, 'gateway');

    const during = await fetch(`${url}/healthz`);
    expect(during.status).toBe(503);
    expect(((await during.json()) as { status: string }).status).toBe('draining');

    // After the drain delay the listener closes: new connections are refused.
    await expect
      .poll(async () => fetch(`${url}/livez`, { headers: { connection: 'close' } }).then(() => 'open', () => 'refused'), {
        timeout: 5_000,
        interval: 50,
      })
      .toBe('refused');

    slowGate.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await stopping;
  });
});

describe('graceful shutdown (real processes)', () => {
  it('a gateway answers 503 while draining after SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const proc = spawnVisapi(['--role', 'gateway'], envFor(infra, { PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: '1000' }));
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc);
    proc.child.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status, { interval: 20 }).toBe(503);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"msg":"stopped"');
  });

  it('a worker serves health on WORKER_METRICS_PORT and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const proc = spawnVisapi(['--role', 'worker'], envFor(infra, { WORKER_METRICS_PORT: String(port), MIGRATE_ON_START: 'false' }));
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"role":"worker"');
  });

  it('a bad configuration stops the process with one line naming the variable', async () => {
    const proc = spawnVisapi([], envFor(infra, { PORT: 'eighty' }));
    expect(await proc.exited).toBe(1);
    expect(proc.output().trim()).toMatch(/^visapi: Invalid configuration: PORT .*\(got "eighty"\)$/);
  });

  it('an unknown --role is refused the same way', async () => {
    const proc = spawnVisapi(['--role', 'boss'], envFor(infra, {}));
    expect(await proc.exited).toBe(1);
    expect(proc.output().trim()).toBe('visapi: Invalid --role "boss": use one of all, gateway, worker');
  });
});
