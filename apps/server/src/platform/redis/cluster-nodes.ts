import { Redis as SingleRedis, type RedisOptions } from 'ioredis';
import { withTimeout } from '../db/database';
import type { Cluster } from './cluster';

/** One node of a Redis Cluster as the Cluster itself lists it (CLUSTER NODES). */
export interface ClusterNodeEntry {
  /** host:port — the announced hostname when there is one, else the announced IP. */
  address: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The Cluster holds the node to be down (flag `fail`): it serves nothing until it is back. */
  failed: boolean;
}

/**
 * Every node in a CLUSTER NODES reply that has an address, masters with no slot and replicas
 * included. CLUSTER SLOTS (where ioredis's node list comes from) leaves out a master without
 * slots, and a replica whose replication offset has not yet reached the node asked (Redis 7:
 * for seconds after the replica attached). `answeredBy` is the host of the node that replied:
 * a node that was never met by another does not know its own IP and lists itself as `:port`.
 */
export function parseClusterNodesReply(reply: string, answeredBy: string): ClusterNodeEntry[] {
  const nodes: ClusterNodeEntry[] = [];
  for (const line of reply.split('\n')) {
    const [, endpoint, flagList] = line.trim().split(' ');
    if (!endpoint || !flagList) continue;
    const flags = flagList.split(',');
    if (flags.includes('noaddr') || flags.includes('handshake')) continue;
    // ip:port@cport[,hostname[,aux=value...]]; an IPv6 address has colons of its own.
    const [hostPort = '', bus = ''] = endpoint.split('@');
    const hostname = bus.split(',')[1] ?? '';
    const colon = hostPort.lastIndexOf(':');
    const ip = hostPort.slice(0, colon);
    const port = Number(hostPort.slice(colon + 1));
    const host = hostname && !hostname.includes('=') ? hostname : ip || (flags.includes('myself') ? answeredBy : '');
    if (!host || !Number.isInteger(port) || port <= 0) continue;
    nodes.push({
      address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      host,
      port,
      role: flags.includes('slave') ? 'replica' : 'master',
      failed: flags.includes('fail'),
    });
  }
  return nodes;
}

/**
 * Every node of the Cluster, asked of a node `cluster` is connected to (CLUSTER NODES; the next
 * one when it does not answer: it may have just died), all within timeoutMs. Rejects when none answered.
 */
export async function listClusterNodes(cluster: Cluster, timeoutMs: number): Promise<ClusterNodeEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let failure = new Error('no node of the Cluster is connected');
  for (const via of cluster.nodes('all').filter((node) => node.status === 'ready')) {
    try {
      const reply = await withTimeout(via.cluster('NODES') as Promise<string>, Math.max(deadline - Date.now(), 1), 'CLUSTER NODES');
      return parseClusterNodesReply(String(reply), String(via.options.host));
    } catch (error) {
      failure = error as Error;
      if (Date.now() >= deadline) break;
    }
  }
  throw failure;
}

/**
 * A plain connection to one node of `cluster`, with the TLS, credentials and per-node settings
 * the Cluster client uses (createCluster), overridden by `options`. Not connected yet
 * (lazyConnect): the caller connects it, and disconnects it when done.
 */
export function connectionToNode(cluster: Cluster, node: Pick<ClusterNodeEntry, 'host' | 'port'>, options: RedisOptions): SingleRedis {
  const connection = new SingleRedis({ ...cluster.options.redisOptions, ...options, host: node.host, port: node.port, lazyConnect: true });
  connection.on('error', () => undefined);
  return connection;
}
