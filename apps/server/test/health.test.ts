import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { TcpProxy } from './support/tcp-proxy';

let infra: TestInfra;
let dbProxy: { proxy: TcpProxy; url: string };
let redisProxy: { proxy: TcpProxy; url: string };
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  dbProxy = await TcpProxy.forUrl(infra.databaseUrl);
  redisProxy = await TcpProxy.forUrl(infra.redisUrl);
  t = await createTestApp(
    { ...infra, databaseUrl: dbProxy.url, redisUrl: redisProxy.url },
    { role: 'gateway', env: { HEALTH_CHECK_TIMEOUT_MS: '500' } },
  );
});
afterEach(() => {
  dbProxy.proxy.restore();
  redisProxy.proxy.restore();
});
afterAll(async () => {
  await t?.close();
  await Promise.all([dbProxy?.proxy.close(), redisProxy?.proxy.close()]);
  await infra?.cleanup();
});

const healthz = (url = '/healthz') => t.app.inject({ method: 'GET', url });

describe('GET /livez', () => {
  it('answers 200 without looking at dependencies', async () => {
    dbProxy.proxy.cut();
    redisProxy.proxy.cut();
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /healthz', () => {
  it('200 with each check and its latency when both dependencies answer', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await healthz(url);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.status).toBe('ok');
      expect(body.checks.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });
      expect(body.checks.redis).toEqual({ status: 'up', latencyMs: expect.any(Number) });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('503 naming the database when PostgreSQL is down, quickly', async () => {
    dbProxy.proxy.cut();
    const started = Date.now();
    const res = await healthz();
    expect(Date.now() - started).toBeLessThan(5_000); // bounded by the check timeout, never a hang
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.status).toBe('error');
    expect(body.checks.database.status).toBe('down');
    expect(body.checks.database.error).toEqual(expect.any(String));
    expect(body.checks.redis.status).toBe('up');
  });

  it('503 naming Redis when Redis is down', async () => {
    redisProxy.proxy.cut();
    const res = await healthz();
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.checks.redis.status).toBe('down');
    expect(body.checks.database.status).toBe('up');
  });

  it('recovers by itself when the dependencies come back', async () => {
    dbProxy.proxy.cut();
    redisProxy.proxy.cut();
    expect((await healthz()).statusCode).toBe(503);
    dbProxy.proxy.restore();
    redisProxy.proxy.restore();
    await expect.poll(async () => (await healthz()).statusCode, { timeout: 10_000, interval: 100 }).toBe(200);
  });

  it('503 with status draining while the process drains', async () => {
    t.runtime.lifecycle.draining = true;
    try {
      const res = await healthz();
      expect(res.statusCode).toBe(503);
      expect(res.json().status).toBe('draining');
    } finally {
      t.runtime.lifecycle.draining = false;
    }
  });
});
