import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', env: limits });
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const ask = (ip: string, headers: Record<string, string> = {}, app = t) =>
  app.app.inject({ method: 'POST', url: '/api/v1/auth/magic-link', remoteAddress: ip, headers, payload: { email: 'a@nowhere.example' } });
const limits = { IP_RATE_LIMIT_BURST: '2', IP_RATE_LIMIT_PER_SECOND: '0.01' };

describe('per-IP limits on unauthenticated endpoints', () => {
  it('limits each client address separately, with Retry-After', async () => {
    expect((await ask('10.0.0.1')).statusCode).toBe(202);
    expect((await ask('10.0.0.1')).statusCode).toBe(202);
    const limited = await ask('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json().type).toBe('/problems/too-many-requests');
    expect((await ask('10.0.0.2')).statusCode).toBe(202);
  });

  it('keeps separate buckets per endpoint', async () => {
    const verify = await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify', remoteAddress: '10.0.0.1', payload: { token: 'x' } });
    expect(verify.statusCode).toBe(401);
  });
});

describe('the client address behind proxies (TRUST_PROXY)', () => {
  it('issue 9 #7: by default X-Forwarded-For is ignored: a fresh value per request does not escape the limit', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ask('10.0.1.1', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode);
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('issue 9 #7: with TRUST_PROXY=127.0.0.1 the X-Forwarded-For of that proxy names the client; from anyone else it is ignored', async () => {
    const behind = await createTestApp(infra, { role: 'gateway', env: { ...limits, TRUST_PROXY: '127.0.0.1' } });
    try {
      const viaProxy = [];
      for (let i = 0; i < 3; i++) viaProxy.push((await ask('127.0.0.1', { 'x-forwarded-for': `198.51.100.${i}` }, behind)).statusCode);
      expect(viaProxy).toEqual([202, 202, 202]);
      const direct = [];
      for (let i = 0; i < 3; i++) direct.push((await ask('10.0.1.2', { 'x-forwarded-for': `198.51.100.${10 + i}` }, behind)).statusCode);
      expect(direct).toEqual([202, 202, 429]);
    } finally {
      await behind.close();
    }
  });
});
