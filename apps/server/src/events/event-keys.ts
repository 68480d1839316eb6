import type { RedisConnections } from '../platform/redis/redis';

/** The Redis keys of the live event stream, under REDIS_PREFIX (one hash tag: one Cluster slot). */
export function eventKeys(redis: Pick<RedisConnections, 'key'>) {
  return {
    /** The shared backlog: a capped Redis Stream whose entry ids are the SSE ids. */
    stream: redis.key('events', 'stream'),
    /** Set (with a TTL) while some gateway has a client: publishers write only then. */
    listeners: redis.key('events', 'listeners'),
    /** Who computes queue counts this interval. */
    queuesLock: redis.key('events', 'queues-lock'),
  };
}

/** How long the listeners key outlives its last refresh, and how often a gateway with clients refreshes it. */
export const LISTENERS_TTL_MS = 30_000;
export const LISTENERS_REFRESH_MS = 10_000;
/** How often each process re-reads the listeners key. */
export const LISTENERS_CHECK_MS = 1_000;
