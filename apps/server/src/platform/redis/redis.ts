import { Redis as SingleRedis, type RedisOptions } from 'ioredis';
import type { ClusterNodes } from '../config/config.schema';
import { withTimeout } from '../db/database';
import { type Cluster, createCluster, isCluster } from './cluster';

/** A connection to one Redis, or a Redis Cluster client (REDIS_CLUSTER_NODES): the same commands. */
export type Redis = SingleRedis | Cluster;

/**
 * The Redis connections of one process. `prefix` namespaces every key VisAPI writes
 * (BullMQ's too); its default `{visapi}` is a Redis Cluster hash tag, so all keys share a slot.
 */
export class RedisConnections {
  private readonly clients = new Set<Redis>();

  constructor(
    readonly url: string,
    readonly prefix: string,
    /** Set: every connection is a Cluster client on these seeds (url is then unused). */
    readonly cluster?: ClusterNodes,
  ) {}

  /**
   * `command` connections fail fast while Redis is down — refused while disconnected, and
   * any command unanswered after 2 s rejects (a half-dead connection must not hang a
   * request); `request` ones, for what a request waits on (rate limits, idempotency, the
   * queue add), are stricter (requestOptions, withRequestDeadline); `blocking` ones (BullMQ
   * workers, subscribers) wait.
   */
  create(kind: 'command' | 'request' | 'blocking' = 'command', name = 'visapi'): Redis {
    const options: RedisOptions =
      kind === 'blocking'
        ? { maxRetriesPerRequest: null, connectionName: name }
        : kind === 'request'
          ? requestOptions(name)
          : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: name, connectTimeout: 2_000, commandTimeout: 2_000 };
    const settings: RedisOptions = { ...options, lazyConnect: false, retryStrategy: (attempt) => Math.min(attempt * 100, 2_000) };
    const client: Redis = this.cluster ? createCluster(this.cluster, settings) : new SingleRedis(this.url, settings);
    // ioredis reconnects by itself; without a listener an outage would crash the process.
    client.on('error', () => undefined);
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
    return client;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** QUIT where connected (bounded by 2 s); a connection still trying is simply dropped. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.clients].map(closeClient));
    this.clients.clear();
  }
}

/**
 * SPEC §13: while Redis is down or unanswering, a request answers 503 within 1 s. Each Redis
 * command a request waits on gets this long (withRequestDeadline); a request stops at the
 * first that misses it.
 */
export const REQUEST_REDIS_DEADLINE_MS = 500;

/**
 * A request connection never queues: refused at once unless connected (no offline queue), and a
 * command in flight when the connection drops is failed at once rather than resent after the
 * reconnect (maxRetriesPerRequest 0). No commandTimeout or socketTimeout: their timers fire
 * before a busy event loop reads an answer already received; withRequestDeadline does not, and
 * drops the connection itself when Redis has really stopped answering.
 */
function requestOptions(name: string): RedisOptions {
  return { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectionName: name, connectTimeout: REQUEST_REDIS_DEADLINE_MS };
}

/**
 * Rejects when `promise` (a request's command on `connection`) has not settled within the
 * deadline. The timer's verdict waits for the next turn of the event loop's I/O (setImmediate
 * runs after the poll phase): on a busy gateway, an answer that reached the socket in time is
 * read before the deadline is declared missed, so a lagging loop does not turn an answered
 * command into a 503. A miss means the connection has stopped answering (a hung Redis, a
 * blackholed network): it is dropped and made again, which fails the other commands waiting on
 * it at once, and the requests after them are refused at once (not connected) until Redis
 * answers again.
 */
export function withRequestDeadline<T>(promise: Promise<T>, connection: Redis, what: string, ms = REQUEST_REDIS_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const missed = () =>
      settle(() => {
        // Destroyed, not ended: a silent peer would never complete a graceful close.
        if (connection.status === 'ready') {
          if (isCluster(connection)) connection.disconnect(true);
          else connection.stream.destroy();
        }
        reject(new Error(`${what} did not answer within ${ms} ms`));
      });
    const timer = setTimeout(() => setImmediate(missed), ms);
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error as Error)),
    );
  });
}

export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), 2_000, 'redis quit').catch(() => client.disconnect());
}

/** Resolves when the connection is ready; rejects after timeoutMs. */
export async function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
    client.once('ready', onReady);
  });
  try {
    await withTimeout(ready, timeoutMs, `redis (${client.status})`);
  } finally {
    client.off('ready', onReady);
  }
}

/** PING with a deadline, waiting for a connection still being made rather than failing at once. */
export async function pingRedis(client: Redis, timeoutMs: number): Promise<void> {
  await whenReady(client, timeoutMs);
  await withTimeout(client.ping(), timeoutMs, 'redis');
}
