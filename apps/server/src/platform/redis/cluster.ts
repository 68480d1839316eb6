import { Cluster, type ClusterOptions, type Redis as SingleRedis, type RedisOptions } from 'ioredis';
import type { ClusterNodes } from '../config/config.schema';
import { hashTag } from '../config/config.schema';
import { withTimeout } from '../db/database';

export type { Cluster } from 'ioredis';

/**
 * A Redis Cluster client (REDIS_CLUSTER_NODES) with the behaviour `options` asks of a single
 * connection: the same timeouts, retries and offline queue, applied per node or to the whole.
 * Every VisAPI key carries REDIS_PREFIX's hash tag, so all of them live in one slot on one
 * master: the Cluster gives failover (a replica promoted), not sharding.
 */
export function createCluster(seeds: ClusterNodes, options: RedisOptions): Cluster {
  // Auto-pipelining is the Cluster client's own option: in redisOptions it would stay off.
  const { enableOfflineQueue, retryStrategy, lazyConnect, enableAutoPipelining, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: enableAutoPipelining ?? false,
    lazyConnect: lazyConnect ?? false,
    clusterRetryStrategy: retryStrategy ? (attempt) => retryStrategy(attempt) : undefined,
    // While a dead master's replica is not yet promoted (seconds), a command is retried every
    // 100 ms, 6 times at most: it may land on the new master, and otherwise fails well within
    // a second, so the request answers 503 quickly (SPEC §13) instead of waiting out the failover.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 6,
    redisOptions: {
      ...perNode,
      ...(seeds.tls ? { tls: {} } : {}),
      ...(seeds.username ? { username: seeds.username } : {}),
      ...(seeds.password ? { password: seeds.password } : {}),
    },
    // Managed clusters announce nodes by name; TLS checks the certificate against that name.
    ...(seeds.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
  return new Cluster(seeds.nodes, clusterOptions);
}

export function isCluster(client: SingleRedis | Cluster): client is Cluster {
  return client instanceof Cluster;
}

/** CRC16/XMODEM, Redis Cluster's key hash. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Cluster slot of a key (as CLUSTER KEYSLOT answers). */
export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key) ?? key)) % 16384;
}

export class ReplicaAckError extends Error {}

/**
 * Redis WAIT after a write: resolves once `replicas` replicas hold every write sent so far on
 * the connection that carried `key`'s write, and throws ReplicaAckError when fewer did within
 * timeoutMs. On a Cluster that connection is the one to the master of `key`'s slot (WAIT has
 * no key: sent through the Cluster client it would reach a random node).
 */
export async function waitForReplicas(client: SingleRedis | Cluster, key: string, replicas: number, timeoutMs: number): Promise<void> {
  const connection = isCluster(client) ? masterOf(client, key) : client;
  if (!connection) throw new ReplicaAckError(`no known master holds the slot of ${key} (the Cluster is failing over)`);
  // A master that just died may still be the slot's owner in the client's map: do not wait on it.
  if (connection.status !== 'ready') throw new ReplicaAckError(`the Redis master holding ${key} is not connected (${connection.status})`);
  const acknowledged = await withTimeout(connection.wait(replicas, timeoutMs), timeoutMs + 250, 'redis WAIT').catch((error: unknown) => {
    throw new ReplicaAckError(`no answer to WAIT: ${(error as Error).message}`);
  });
  if (acknowledged < replicas) {
    throw new ReplicaAckError(`${acknowledged} of ${replicas} Redis replicas acknowledged the write within ${timeoutMs} ms`);
  }
}

/** The connection to the master of `key`'s slot, as the client's slot map has it; none while the Cluster is failing over. */
export function masterOf(cluster: Cluster, key: string): SingleRedis | undefined {
  const owner = cluster.slots[keySlot(key)]?.[0];
  return (owner && cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === owner)) || undefined;
}
