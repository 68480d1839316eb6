import { Redis as SingleRedis, type RedisOptions } from 'ioredis';
import type { ClusterNodes } from '../config/config.schema';
import { withTimeout } from '../db/database';
import { type Cluster, createCluster, isCluster, masterOf } from './cluster';
import type { RequestBudget } from './request-budget';

/** A connection to one Redis, or a Redis Cluster client (REDIS_CLUSTER_NODES): the same commands. */
export type Redis = SingleRedis | Cluster;

/** The prefix whose slot a Cluster client's keys all live in: its master is the one a missed deadline is confirmed on. */
const clusterPrefixes = new WeakMap<Cluster, string>();

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
   * workers, stream readers) wait. `subscriber` ones wait too, and do not subscribe again by
   * themselves after a reconnect: their owner does (keepSubscribed, PubSubCache). ioredis's own
   * resubscribe sends SUBSCRIBE without handling its rejection, so a connection dropped again
   * before the answer was an unhandled rejection, which ends the process (redis/ioredis#2187,
   * not in 6.0.0). A Cluster client's subscriber resubscribes by itself and handles that case.
   */
  create(kind: 'command' | 'request' | 'blocking' | 'subscriber' = 'command', name = 'visapi'): Redis {
    const options: RedisOptions =
      kind === 'subscriber'
        ? { maxRetriesPerRequest: null, connectionName: name, ...(this.cluster ? {} : { autoResubscribe: false }) }
        : kind === 'blocking'
        ? { maxRetriesPerRequest: null, connectionName: name }
        : kind === 'request'
          ? requestOptions(name)
          : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: name, connectTimeout: 2_000, commandTimeout: 2_000 };
    const settings: RedisOptions = { ...options, lazyConnect: false, retryStrategy: (attempt) => Math.min(attempt * 100, 2_000) };
    const client: Redis = this.cluster ? createCluster(this.cluster, settings) : new SingleRedis(this.url, settings);
    if (isCluster(client)) clusterPrefixes.set(client, this.prefix);
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
 * Subscribes a `subscriber` connection (RedisConnections.create) to `channel` once connected
 * and again after every reconnect; a failed attempt goes to onError, and the next reconnect
 * tries again. Resolves once the first attempt has succeeded or failed.
 */
export function keepSubscribed(subscriber: Redis, channel: string, onError: (error: unknown) => void): Promise<void> {
  return new Promise((firstAttempt) => {
    const subscribe = () => void subscriber.subscribe(channel).then(() => undefined, onError).finally(firstAttempt);
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
  });
}

/**
 * SPEC §13: while Redis is down or unanswering, a request answers 503 within 1 s. Each Redis
 * command a request waits on gets at most this long (withRequestDeadline), and less when the
 * request's budget (RequestBudget, ~900 ms for all its commands) has less left.
 */
export const REQUEST_REDIS_DEADLINE_MS = 500;

/**
 * How long the PING that follows a missed deadline has to confirm the connection still answers.
 * Sent behind the late command — and, with auto-pipelining, behind everything the requests in
 * flight sent with it — it is answered once Redis has worked through them.
 */
export const REDIS_CONFIRM_PING_MS = 500;

/**
 * A request connection never queues: refused at once unless connected (no offline queue), and a
 * command in flight when the connection drops is failed at once rather than resent after the
 * reconnect (maxRetriesPerRequest 0). No commandTimeout or socketTimeout: their timers fire
 * before a busy event loop reads an answer already received; withRequestDeadline does not, and
 * drops the connection itself when Redis has really stopped answering. Auto-pipelining: the
 * commands all requests in flight send in one turn of the event loop leave in one write (one
 * system call for the gateway, one read for Redis) instead of one each (docs/performance.md,
 * "Issue 15: levers measured"); these connections carry no blocking command.
 */
function requestOptions(name: string): RedisOptions {
  return { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectionName: name, connectTimeout: REQUEST_REDIS_DEADLINE_MS, enableAutoPipelining: true };
}

/** The verdict on a request's command: rejected when Redis did not answer in time. */
export class RedisDeadlineError extends Error {}

/**
 * Sends a request's command (`send`) on `connection` and rejects when it has not answered
 * within its deadline: REQUEST_REDIS_DEADLINE_MS, or what is left of `budget` when that is
 * less; with the budget already spent, nothing is sent (RedisBudgetSpentError).
 *
 * A miss is confirmed before the connection is dropped: a PING, queued behind the late
 * command, gets REDIS_CONFIRM_PING_MS (one at a time per connection). Answered: Redis was
 * slow for a moment (a fork for AOF, a short budget), and the other requests on the
 * connection go on. Not answered: Redis has stopped answering on it (hung, blackholed): it is
 * dropped and made again, which fails the commands waiting on it at once, and later requests
 * are refused at once (not connected) until Redis answers again.
 */
export function withRequestDeadline<T>(send: () => Promise<T>, connection: Redis, what: string, budget?: RequestBudget): Promise<T> {
  let ms: number;
  try {
    ms = budget ? budget.nextCommandMs(what) : REQUEST_REDIS_DEADLINE_MS;
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return answeredWithin(send(), ms, `${what} did not answer within ${Math.round(ms)} ms`).catch((error: unknown) => {
    if (error instanceof RedisDeadlineError) confirmOrDrop(connection);
    throw error;
  });
}

/**
 * Rejects (RedisDeadlineError) when `promise` has not settled within `ms`. The verdict waits
 * for the next turn of the event loop's I/O (setImmediate runs after the poll phase): on a busy
 * gateway, an answer that reached the socket in time is read before the deadline is declared
 * missed, so a lagging loop does not turn an answered command into a 503.
 */
function answeredWithin<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => setImmediate(() => settle(() => reject(new RedisDeadlineError(message)))), ms);
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error as Error)),
    );
  });
}

const confirming = new WeakSet<Redis>();

function confirmOrDrop(connection: Redis) {
  if (confirming.has(connection) || connection.status !== 'ready') return;
  confirming.add(connection);
  answeredWithin(confirmingPing(connection), REDIS_CONFIRM_PING_MS, 'ping')
    .catch(() => {
      // Destroyed, not ended: a silent peer would never complete a graceful close.
      if (connection.status !== 'ready') return;
      if (isCluster(connection)) connection.disconnect(true);
      else connection.stream.destroy();
    })
    .finally(() => confirming.delete(connection));
}

/**
 * The PING that confirms a connection still answers. A Cluster client's own PING reaches a
 * random node: this asks the master of the prefix's slot, where every VisAPI key (the late
 * command's too) lives; with no such master known it rejects (not confirmed).
 */
export function confirmingPing(connection: Redis): Promise<unknown> {
  if (!isCluster(connection)) return connection.ping();
  const prefix = clusterPrefixes.get(connection);
  const master = prefix === undefined ? undefined : masterOf(connection, prefix);
  return master ? master.ping() : Promise.reject(new Error('no known master holds the prefix slot'));
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
