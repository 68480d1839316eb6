import { Redis as SingleRedis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterNodes } from '../config/config.schema';
import { withTimeout } from '../db/database';
import { type Cluster, createCluster, nodesOf } from './cluster';

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
   * request); `blocking` ones (BullMQ workers, subscribers) wait.
   */
  create(kind: 'command' | 'blocking' = 'command', name = 'visapi'): Redis {
    const options: RedisOptions =
      kind === 'blocking'
        ? { maxRetriesPerRequest: null, connectionName: name }
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

/**
 * SPEC §1: Redis is the queue's durable store. Warn loudly when it may lose or evict data.
 */
export async function checkRedisDurability(client: Redis, logger: Logger): Promise<void> {
  try {
    await pingRedis(client, 5_000);
    // On a Cluster, every node: a replica is the master of tomorrow's failover.
    for (const node of nodesOf(client)) {
      const [, appendonly] = (await node.config('GET', 'appendonly')) as string[];
      const [, policy] = (await node.config('GET', 'maxmemory-policy')) as string[];
      const at = `${node.options.host}:${node.options.port}`;
      if (appendonly !== 'yes') {
        logger.warn(
          { appendonly, node: at },
          'Redis has appendonly=no: queued jobs are lost if Redis restarts. Set "appendonly yes".',
        );
      }
      if (policy !== 'noeviction') {
        logger.warn(
          { maxmemoryPolicy: policy, node: at },
          `Redis has maxmemory-policy=${policy}: it may evict queued jobs. Set "maxmemory-policy noeviction".`,
        );
      }
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Redis configuration (CONFIG GET refused?): check appendonly and maxmemory-policy yourself');
  }
}
