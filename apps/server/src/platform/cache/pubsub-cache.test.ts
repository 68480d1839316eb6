import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PubSubCache } from './pubsub-cache';

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

const cacheOf = (options: { maxEntries?: number; maxAbsent?: number } = {}) =>
  new PubSubCache<string>(subscriber, publisher, channel, { ttlMs: 60_000, ...options }, pino({ level: 'silent' }));

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
});
