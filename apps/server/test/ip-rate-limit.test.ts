import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', env: { IP_RATE_LIMIT_BURST: '2', IP_RATE_LIMIT_PER_SECOND: '0.01' } });
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const ask = (ip: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/magic-link', remoteAddress: ip, payload: { email: 'a@nowhere.example' } });

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
