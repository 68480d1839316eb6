import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { createKey } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  // A long cache TTL: only the change notification can make B forget a key in time.
  const env = { API_KEY_CACHE_TTL_MS: '600000' };
  [a, b] = await Promise.all([createTestApp(infra, { role: 'gateway', env }), createTestApp(infra, { role: 'gateway', env })]);
  await Promise.all([a.app.get(ApiKeysService).ready, b.app.get(ApiKeysService).ready]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await infra?.cleanup();
});

const status = async (t: TestApp, key: string) =>
  (await t.app.inject({ method: 'GET', url: '/api/v1/logs', headers: { 'x-api-key': key } })).statusCode;

/** How long until gateway t refuses the key, polling every 10 ms up to 3 s. */
async function msUntilRefused(t: TestApp, key: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 3_000) {
    if ((await status(t, key)) === 401) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Infinity;
}

describe('two gateways on one PostgreSQL and Redis', () => {
  it('a key revoked through one gateway is refused by the other within 1 s', async () => {
    const key = await createKey(a, ['read_logs']);
    expect(await status(a, key.key)).toBe(200);
    expect(await status(b, key.key)).toBe(200); // now cached in B
    await a.app.get(ApiKeysService).revoke(key.id);
    expect(await msUntilRefused(b, key.key)).toBeLessThan(1_000);
  });

  it('a rotation without grace reaches the other gateway within 1 s', async () => {
    const key = await createKey(a, ['read_logs']);
    expect(await status(b, key.key)).toBe(200);
    const rotated = await a.app.get(ApiKeysService).rotate(key.id, 0);
    expect(await msUntilRefused(b, key.key)).toBeLessThan(1_000);
    expect(await status(b, rotated.key)).toBe(200);
  });

  it('shares one rate-limit bucket per key across gateways', async () => {
    const key = await createKey(a, ['read_logs'], { rateLimit: { burst: 4, perSecond: 0.01 } });
    const statuses = [];
    for (const t of [a, b, a, b, a, b]) statuses.push(await status(t, key.key));
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
