import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from '../db/database';

export type { Redis } from 'ioredis';

/**
 * The Redis connections of one process. `prefix` namespaces every key VisAPI writes
 * (BullMQ's too); its default `{visapi}` is a Redis Cluster hash tag, so all keys share a slot.
 */
export class RedisConnections {
  private readonly clients = new Set<Redis>();

  constructor(
    readonly url: string,
    readonly prefix: string,
  ) {}

  /**
   * `command` connections fail fast while Redis is down — refused while disconnected, and
   * any command unanswered after 2 s rejects (a half-dead connection must not hang a
   * request); `request` ones, for what a request waits on (rate limits, idempotency, the
   * queue add), are stricter (see REQUEST_REDIS_DEADLINE_MS); `blocking` ones (BullMQ
   * workers, subscribers) wait.
   */
  create(kind: 'command' | 'request' | 'blocking' = 'command', name = 'visapi'): Redis {
    const options: RedisOptions =
      kind === 'blocking'
        ? { maxRetriesPerRequest: null, connectionName: name }
        : kind === 'request'
          ? requestOptions(name)
          : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: name, connectTimeout: 2_000, commandTimeout: 2_000 };
    const client = new Redis(this.url, {
      ...options,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
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
 * command a request waits on gets this long; a request stops at the first that misses it.
 */
export const REQUEST_REDIS_DEADLINE_MS = 500;

/**
 * A request connection never queues: refused at once unless connected (no offline queue), a
 * command in flight when the connection drops is failed at once rather than resent after the
 * reconnect (maxRetriesPerRequest 0), and a connection that stops answering — a blackholed
 * Redis, a dead host — is dropped after the deadline (socketTimeout) and made again, so the
 * requests after it are refused at once until Redis answers again.
 */
function requestOptions(name: string): RedisOptions {
  return {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectionName: name,
    connectTimeout: REQUEST_REDIS_DEADLINE_MS,
    commandTimeout: REQUEST_REDIS_DEADLINE_MS,
    socketTimeout: REQUEST_REDIS_DEADLINE_MS,
  };
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

/** A setting of Redis that puts queued jobs at risk (or `config`: the settings could not be read). */
export interface DurabilityRisk {
  setting: 'appendonly' | 'maxmemory-policy' | 'config';
  value: string;
  message: string;
}

/**
 * SPEC §1: Redis is the queue's durable store. What in its configuration may lose or evict
 * data; none when it keeps its data (`appendonly yes`) and never evicts (`noeviction`).
 */
export async function redisDurabilityRisks(client: Redis): Promise<DurabilityRisk[]> {
  let appendonly: string | undefined;
  let policy: string | undefined;
  try {
    [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
  } catch {
    return [
      {
        setting: 'config',
        value: 'unreadable',
        message: 'Could not read the Redis configuration (CONFIG GET refused?): check appendonly and maxmemory-policy yourself.',
      },
    ];
  }
  const risks: DurabilityRisk[] = [];
  if (appendonly !== 'yes') {
    risks.push({ setting: 'appendonly', value: String(appendonly), message: `Redis has appendonly=${appendonly}: queued jobs are lost if Redis restarts. Set "appendonly yes".` });
  }
  if (policy !== 'noeviction') {
    risks.push({ setting: 'maxmemory-policy', value: String(policy), message: `Redis has maxmemory-policy=${policy}: it may evict queued jobs. Set "maxmemory-policy noeviction".` });
  }
  return risks;
}

/** SPEC §1's loud warning at boot, one line per setting at risk (`/healthz` lists them too). */
export async function checkRedisDurability(client: Redis, logger: Logger): Promise<void> {
  try {
    await pingRedis(client, 5_000);
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Redis configuration (Redis does not answer): check appendonly and maxmemory-policy yourself');
    return;
  }
  for (const risk of await redisDurabilityRisks(client)) logger.warn({ setting: risk.setting, value: risk.value }, risk.message);
}
