import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { FailedLookups } from '../src/rate-limit/failed-lookups';
import { REQUEST_REDIS_BUDGET_MS } from '../src/platform/redis/request-budget';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, signIn } from './support/auth-helpers';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let proxy: TcpProxy;
let a: TestApp; // its database connections go through the proxy
let b: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  const proxied = await TcpProxy.forUrl(infra.databaseUrl);
  proxy = proxied.proxy;
  const env = { API_KEY_CACHE_TTL_MS: '600000', FAILED_LOOKUP_RATE_LIMIT_BURST: '5', FAILED_LOOKUP_RATE_LIMIT_PER_SECOND: '0.01' };
  [a, b] = await Promise.all([
    createTestApp({ ...infra, databaseUrl: proxied.url }, { role: 'gateway', env }),
    createTestApp(infra, { role: 'all', env }),
  ]);
  await Promise.all([a.app.get(ApiKeysService).ready, b.app.get(ApiKeysService).ready, a.app.get(WorkflowCatalog).ready]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await proxy?.close();
  await infra?.cleanup();
});

/** The answer to a request, once the failed lookup it may have counted is in (the answer does not wait for it). */
async function counted<T>(t: TestApp, answer: Promise<T>): Promise<T> {
  const response = await answer;
  await t.app.get(FailedLookups).settled();
  return response;
}
const get = (t: TestApp, key: string, remoteAddress = '127.0.0.1') =>
  counted(t, t.app.inject({ method: 'GET', url: '/api/v1/logs', headers: { 'x-api-key': key }, remoteAddress }));
/** Resolves once gateway t has heard the next API-key change (its cache's own listener runs first). */
function heardBy(t: TestApp): Promise<void> {
  const subscriber = (t.app.get(ApiKeysService) as unknown as { cache: { subscriber: Redis } }).cache.subscriber;
  return new Promise<void>((resolve) => subscriber.once('message', () => resolve()));
}
/** A key made on gateway b, once gateway a has heard of it. */
async function keyHeardByA() {
  const heard = heardBy(a);
  const key = await createKey(b, ['read_logs']);
  await heard;
  return key;
}
const randomKey = () => `vk_${randomBytes(6).toString('hex')}_${'a'.repeat(43)}`;

describe('revocation racing a cache fill', () => {
  it('issue 9 #11: a key revoked while a gateway is reading it from the database is refused by that gateway right after', async () => {
    const warm = await keyHeardByA();
    expect((await get(a, warm.key)).statusCode).toBe(200); // a's pool has a live connection
    const key = await keyHeardByA();

    // a reads the key: PostgreSQL answers (the key still valid), the answer waits in the proxy.
    const held = proxy.hold();
    const first = get(a, key.key);
    await held.received(key.prefix);
    // Meanwhile b revokes it, and a hears of it.
    const heard = heardBy(a);
    await b.app.get(ApiKeysService).revoke(key.id);
    await heard;
    held.release();
    await first; // concurrent with the revocation: either answer is right

    expect((await get(a, key.key)).statusCode).toBe(401);
  });
});

describe('unknown credentials and webhook keys', () => {
  it('issue 9 #9: a client guessing API keys is throttled (429) after a burst of failures; others and cached keys are not', async () => {
    const good = await keyHeardByA();
    expect((await get(a, good.key, '10.9.0.1')).statusCode).toBe(200); // cached in a
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(a, randomKey(), '10.9.0.1')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    const refused = await get(a, randomKey(), '10.9.0.1');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(a, good.key, '10.9.0.1')).statusCode).toBe(200);
    expect((await get(a, randomKey(), '10.9.0.2')).statusCode).toBe(401);
  });

  it('issue 9 review: credentials seen valid are never throttled, even once out of the cache (a guesser behind the same NAT cannot lock out users or partners)', async () => {
    const ip = '10.9.2.1';
    const partner = await keyHeardByA();
    expect((await get(a, partner.key, ip)).statusCode).toBe(200);
    const { cookie } = await signIn(a, 'nat-user@example.com', 'viewer');
    const withSession = () => counted(a, a.app.inject({ method: 'GET', url: '/api/v1/logs', headers: { cookie }, remoteAddress: ip }));
    expect((await withSession()).statusCode).toBe(200);
    for (let i = 0; i < 7; i++) await get(a, randomKey(), ip);
    expect((await get(a, randomKey(), ip)).statusCode).toBe(429);

    expect((await withSession()).statusCode).toBe(200);
    // A rotation with grace drops the key from every cache: the old secret is looked up again.
    const heard = heardBy(a);
    await b.app.get(ApiKeysService).rotate(partner.id, 1);
    await heard;
    expect((await get(a, partner.key, ip)).statusCode).toBe(200);
  });

  it('review: a failed lookup that spent the request\'s time for Redis on a slow database still counts', async () => {
    const ip = '10.9.3.1';
    for (let i = 0; i < 5; i++) expect((await get(a, randomKey(), ip)).statusCode).toBe(401); // the burst
    // The database answers after the request's whole budget for Redis: the sixth failure counted
    // within that budget would send nothing, and the client would never be blocked.
    proxy.late(REQUEST_REDIS_BUDGET_MS + 50);
    try {
      expect((await get(a, randomKey(), ip)).statusCode).toBe(401);
    } finally {
      proxy.late(0);
    }
    expect((await get(a, randomKey(), ip)).statusCode).toBe(429);
  });

  it('issue 9 review: an IPv6 client counts by its /64, so fresh addresses do not refill its bucket', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 8; i++) statuses.push((await get(a, randomKey(), `2001:db8:77:1::${i.toString(16)}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    expect((await get(a, randomKey(), '2001:db8:77:2::1')).statusCode).toBe(401);
  });

  it('issue 9 #9: unknown webhook keys and session cookies count too', async () => {
    const hook = (key: string) => counted(b, b.app.inject({ method: 'POST', url: `/api/v1/triggers/${key}`, payload: {}, remoteAddress: '10.9.1.1' }));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await hook(`nope-${randomBytes(6).toString('hex')}`)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429]);
    const session = await b.app.inject({ method: 'GET', url: '/api/v1/logs', headers: { cookie: 'visapi_session=forged' }, remoteAddress: '10.9.1.1' });
    expect(session.statusCode).toBe(429);
  });
});
