import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { proxiedRedis, TcpProxy } from '../../../test/support/tcp-proxy';
import { isDatabaseUnavailable } from '../db/unavailable';
import { InvalidationNotPublishedError, PubSubCache, type PubSubCacheOptions } from './pubsub-cache';

let subscriber: Redis;
let publisher: Redis;
const channel = `test:pubsub-cache:${randomBytes(4).toString('hex')}`;

beforeAll(() => {
  subscriber = new Redis(inject('redisUrl'));
  publisher = new Redis(inject('redisUrl'));
});
afterAll(() => {
  subscriber.disconnect();
  publisher.disconnect();
});

/** A cache on the shared clients, or on the test's own `subscriber` or `publisher`. */
const cacheOf = (options: Partial<PubSubCacheOptions> = {}, clients: { subscriber?: Redis; publisher?: Redis } = {}) =>
  new PubSubCache<string>(clients.subscriber ?? subscriber, clients.publisher ?? publisher, channel, { ttlMs: 60_000, ...options }, pino({ level: 'silent' }));

/** What pg rejects with when PostgreSQL is down. */
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const unreachable = () => Promise.reject(refused());

afterEach(() => {
  vi.useRealTimers();
});

describe('PubSubCache', () => {
  it('issue 9 review: two loads of one key in flight across an invalidation: neither is kept', async () => {
    const cache = cacheOf();
    await cache.start();
    const finish: Array<(v: string) => void> = [];
    const first = cache.getOrLoad('k', () => new Promise<string>((r) => finish.push(r)));
    const second = cache.getOrLoad('k', () => new Promise<string>((r) => finish.push(r)));
    await cache.invalidate('k');
    finish[1]!('stale 2');
    await second;
    finish[0]!('stale 1');
    await first;
    expect(cache.get('k')).toBeUndefined();
  });

  it('issue 9 #9: a flood of unknown keys stays bounded and evicts no cached value', async () => {
    const cache = cacheOf({ maxEntries: 100, maxAbsent: 50 });
    await cache.start();
    for (let i = 0; i < 100; i++) cache.set(`known-${i}`, `value-${i}`);
    for (let i = 0; i < 5_000; i++) cache.set(`unknown-${i}`, null);
    expect(cache.size).toBe(150);
    for (let i = 0; i < 100; i++) expect(cache.get(`known-${i}`)).toBe(`value-${i}`);
    expect(cache.get('unknown-4999')).toBeNull();
    expect(cache.get('unknown-0')).toBeUndefined();
  });

  it('issue 9 #9: values are evicted least recently used first', async () => {
    const cache = cacheOf({ maxEntries: 3 });
    await cache.start();
    for (const k of ['a', 'b', 'c']) cache.set(k, k);
    cache.get('a');
    cache.set('d', 'd');
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual(['a', undefined, 'c', 'd']);
  });

  it('issue 9 #11: a load that an invalidation overtook is returned but not kept', async () => {
    const cache = cacheOf();
    await cache.start();
    let finishLoad!: (v: string) => void;
    const loading = cache.getOrLoad('k', () => new Promise<string>((r) => (finishLoad = r)));
    await cache.invalidate('k');
    finishLoad('stale');
    expect(await loading).toBe('stale');
    expect(cache.get('k')).toBeUndefined();
    expect(await cache.getOrLoad('k', async () => 'fresh')).toBe('fresh');
    expect(cache.get('k')).toBe('fresh');
  });

  describe('issue 16: the last good value while the source is unreachable', () => {
    /** A stale-serving cache holding `k` = 'last good', its entry expired (only Date is faked: Redis runs for real). */
    async function expiredCache(options: Partial<PubSubCacheOptions> = {}) {
      vi.useFakeTimers({ toFake: ['Date'] });
      const cache = cacheOf({ ttlMs: 1_000, serveStaleOn: isDatabaseUnavailable, maxStaleMs: 60_000, ...options });
      await cache.start();
      expect(await cache.getOrLoad('k', async () => 'last good')).toBe('last good');
      vi.setSystemTime(Date.now() + 2_000);
      expect(cache.get('k')).toBeUndefined();
      return cache;
    }

    it('an expired value is served when its load fails for want of the database, and reloaded once it answers', async () => {
      const cache = await expiredCache();
      expect(await cache.getOrLoad('k', unreachable)).toBe('last good');
      // Served as fresh for a second: the requests meanwhile do not each wait on the database.
      let loads = 0;
      expect(await cache.getOrLoad('k', () => (loads++, unreachable()))).toBe('last good');
      expect(loads).toBe(0);
      vi.setSystemTime(Date.now() + 1_500);
      expect(await cache.getOrLoad('k', async () => 'fresh')).toBe('fresh');
      expect(cache.get('k')).toBe('fresh');
    });

    it('a hung PostgreSQL (answers held): the value is served without waiting it out, one reload per key in flight', async () => {
      const { proxy, url } = await TcpProxy.forUrl(inject('adminDatabaseUrl'));
      // As the app's pool, with one connection: a load behind the hung one waits for a connection.
      const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 });
      let held: ReturnType<TcpProxy['hold']> | undefined;
      try {
        await pool.query('select 1'); // connected before the answers are held: the reload's query is sent, its answer held
        let loads = 0;
        const load = async () => {
          loads++;
          const { rows } = await pool.query<{ v: string }>("select 'from the database' as v");
          return rows[0]!.v;
        };
        vi.useFakeTimers({ toFake: ['Date'] });
        const cache = cacheOf({ ttlMs: 1_000, serveStaleOn: isDatabaseUnavailable, maxStaleMs: 60_000 });
        await cache.start();
        cache.set('k', 'last good');
        vi.setSystemTime(Date.now() + 2_000);
        held = proxy.hold();
        // The first request waits a moment on its reload, then is served; the others at once.
        const answers = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('k', load)));
        expect(answers).toEqual(Array(20).fill('last good'));
        expect(loads).toBe(1); // one reload in flight, not one per request (each waiting 5 s for the pool)
        expect(await cache.getOrLoad('k', load)).toBe('last good');
        expect(loads).toBe(1);
        held.release();
        held = undefined;
        await expect.poll(() => cache.get('k'), { timeout: 5_000, interval: 20 }).toBe('from the database');
        expect(loads).toBe(1);
      } finally {
        held?.release();
        await pool.end();
        await proxy.close();
      }
    });

    it('any other failure of the load fails as before', async () => {
      const cache = await expiredCache();
      await expect(cache.getOrLoad('k', () => Promise.reject(new Error('column "x" does not exist')))).rejects.toThrow(/column/);
    });

    it('never a value an invalidation dropped (a revoked key stays revoked), even one arriving during the failed load', async () => {
      const cache = await expiredCache();
      await cache.invalidate('k');
      await expect(cache.getOrLoad('k', unreachable)).rejects.toThrow(/ECONNREFUSED/);

      const other = await expiredCache();
      await expect(
        other.getOrLoad('k', async () => {
          await other.invalidate('k');
          throw refused();
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    });

    it('not past maxStaleMs, not an absence, not without serveStaleOn, not while unsubscribed', async () => {
      const old = await expiredCache({ maxStaleMs: 5_000 });
      vi.setSystemTime(Date.now() + 10_000);
      await expect(old.getOrLoad('k', unreachable)).rejects.toThrow(/ECONNREFUSED/);

      const absent = await expiredCache();
      await absent.getOrLoad('gone', async () => null);
      vi.setSystemTime(Date.now() + 6_000);
      await expect(absent.getOrLoad('gone', unreachable)).rejects.toThrow(/ECONNREFUSED/);

      const plain = await expiredCache({ serveStaleOn: undefined });
      await expect(plain.getOrLoad('k', unreachable)).rejects.toThrow(/ECONNREFUSED/);

      // A subscription that ends: whatever it missed may have revoked the value.
      const own = new Redis(inject('redisUrl'));
      const cutCache = cacheOf({ ttlMs: 1_000, serveStaleOn: isDatabaseUnavailable }, { subscriber: own });
      await cutCache.start();
      await cutCache.getOrLoad('k', async () => 'last good');
      vi.setSystemTime(Date.now() + 2_000);
      const closed = new Promise((resolve) => own.once('close', resolve));
      own.disconnect();
      await closed;
      await expect(cutCache.getOrLoad('k', unreachable)).rejects.toThrow(/ECONNREFUSED/);
    });

    it('expired values stay within maxEntries', async () => {
      const cache = await expiredCache({ maxEntries: 10 });
      for (let i = 0; i < 100; i++) await cache.getOrLoad(`v-${i}`, async () => `value-${i}`);
      vi.setSystemTime(Date.now() + 2_000);
      expect(cache.size).toBe(10);
      expect(await cache.getOrLoad('v-99', unreachable)).toBe('value-99');
      await expect(cache.getOrLoad('v-0', unreachable)).rejects.toThrow(/ECONNREFUSED/);
    });
  });

  it('an invalidation that cannot be published (Redis cut) rejects when required, and is only logged otherwise', async () => {
    const { proxy, redis: cutPublisher, close } = await proxiedRedis(inject('redisUrl'), { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      const cache = cacheOf({}, { publisher: cutPublisher });
      await cache.start();
      cache.set('k', 'v');
      proxy.cut();
      await expect(cache.invalidate('k', { required: true })).rejects.toBeInstanceOf(InvalidationNotPublishedError);
      expect(cache.get('k')).toBeUndefined(); // dropped here all the same
      await expect(cache.invalidate('k')).resolves.toBeUndefined();
    } finally {
      await close();
    }
  });

  it('issue 16: a long Cluster failover (many -node events) keeps one resubscribe chain, which subscribes again once it can', async () => {
    // A subscriber whose Redis is cut: SUBSCRIBE fails at once (no offline queue) until restored.
    const { proxy, redis: own, close } = await proxiedRedis(inject('redisUrl'), { enableOfflineQueue: false, retryStrategy: () => 50 });
    try {
      const cache = cacheOf({}, { subscriber: own });
      await cache.start();
      const sent: string[] = [];
      const subscribe = own.subscribe.bind(own);
      own.subscribe = ((...args: Parameters<typeof subscribe>) => (sent.push(String(args[0])), subscribe(...args))) as typeof own.subscribe;
      proxy.cut();
      for (let i = 0; i < 20; i++) own.emit('-node');
      expect(sent).toHaveLength(1); // one attempt for twenty events (one chain each, before)
      cache.set('k', 'v');
      expect(cache.get('k')).toBeUndefined(); // nothing served during the gap
      proxy.restore();
      await expect.poll(() => (cache.set('k', 'v'), cache.get('k')), { timeout: 10_000, interval: 50 }).toBe('v');
    } finally {
      await close();
    }
  });
});
