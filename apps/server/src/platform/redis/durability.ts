import type { Redis as SingleRedis } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from '../db/database';
import { type Cluster, isCluster } from './cluster';
import { type ClusterNodeEntry, connectionToNode, listClusterNodes } from './cluster-nodes';
import { pingRedis, type Redis } from './redis';

/** A setting of Redis that puts queued jobs at risk (or `config`: the settings could not be read). */
export interface DurabilityRisk {
  setting: 'appendonly' | 'maxmemory-policy' | 'config';
  value: string;
  message: string;
  /** On a Redis Cluster, the node (host:port) whose setting this is. */
  node?: string;
}

/** How long the boot check may take to read the settings (of every node of a Cluster, in parallel). */
export const BOOT_DURABILITY_CHECK_MS = 5_000;

export interface Settings {
  appendonly: string;
  policy: string;
}

/** Why a node's settings are missing: said without addresses (/healthz is public). */
class UnreadableError extends Error {}

/**
 * SPEC §1: Redis is the queue's durable store. What in its configuration may lose or evict
 * data; none when it keeps its data (`appendonly yes`) and never evicts (`noeviction`).
 * On a Cluster, every node the Cluster lists (a replica is the master of tomorrow's failover),
 * each read over a connection of its own; the whole reading takes at most timeoutMs.
 */
export async function redisDurabilityRisks(client: Redis, timeoutMs: number): Promise<DurabilityRisk[]> {
  const deadline = Date.now() + timeoutMs;
  if (!isCluster(client)) {
    const settings = await readSettings(client, deadline).catch((error: unknown) => error as Error);
    return risksOf(settings);
  }
  let nodes: ClusterNodeEntry[];
  try {
    nodes = await listClusterNodes(client, remaining(deadline));
  } catch (error) {
    return [unreadable(`the Cluster's nodes could not be listed: ${connectionFailure(error as Error)}`)];
  }
  return clusterRisks(nodes, (node) => readNode(client, node, deadline));
}

/**
 * The risks of a Cluster's `nodes`, each read by `read`. A list with no node is a reading that
 * failed, never "no risk": nothing was read.
 */
export async function clusterRisks(nodes: ClusterNodeEntry[], read: (node: ClusterNodeEntry) => Promise<Settings>): Promise<DurabilityRisk[]> {
  if (nodes.length === 0) return [unreadable('CLUSTER NODES listed no node')];
  const readings = await Promise.all(nodes.map(async (node) => ({ node, settings: await read(node).catch((error: unknown) => error as Error) })));
  // A node the Cluster itself holds to be down is read if it answers, and not reported if it
  // does not: the Cluster says so already, and it is read again once back.
  return readings.filter(({ node, settings }) => !(node.failed && settings instanceof Error)).flatMap(({ node, settings }) => risksOf(settings, node.address));
}

/** SPEC §1's loud warning at boot, one line per setting at risk (`/healthz` lists them too). */
export async function checkRedisDurability(client: Redis, logger: Logger): Promise<void> {
  try {
    await pingRedis(client, BOOT_DURABILITY_CHECK_MS);
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Redis configuration (Redis does not answer): check appendonly and maxmemory-policy yourself');
    return;
  }
  for (const risk of await redisDurabilityRisks(client, BOOT_DURABILITY_CHECK_MS)) {
    logger.warn({ setting: risk.setting, value: risk.value, ...(risk.node ? { node: risk.node } : {}) }, risk.message);
  }
}

/**
 * A short-lived connection of its own: a Cluster client's connection to a replica is made lazily
 * on first use, so reading through it could report a node "unreadable" that simply was not
 * connected yet. This one is connected and awaited, and always closed.
 */
async function readNode(cluster: Cluster, node: ClusterNodeEntry, deadline: number): Promise<Settings> {
  const connection = connectionToNode(cluster, node, {
    connectionName: 'visapi:durability-check',
    connectTimeout: remaining(deadline),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // connect() rejects with "Connection is closed." whatever the cause: the cause is the last error event.
  let cause: (Error & { code?: string; syscall?: string }) | undefined;
  connection.on('error', (error: Error) => (cause = error));
  try {
    await withTimeout(connection.connect(), remaining(deadline), 'connect').catch(() => {
      throw new UnreadableError(`could not connect to it: ${connectionFailure(cause)}`);
    });
    return await readSettings(connection, deadline);
  } finally {
    connection.disconnect();
  }
}

/**
 * Why a connection failed, in a fixed vocabulary: /healthz is public, and error messages name
 * addresses (a network error's host:port, a TLS certificate's altnames). The system call and
 * error code, else Redis's error word (a refused password: WRONGPASS, NOAUTH), else "unreadable".
 */
export function connectionFailure(cause: (Error & { code?: unknown; syscall?: unknown }) | undefined): string {
  if (!cause) return 'no connection in time';
  const code = typeof cause.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(cause.code) ? cause.code : undefined;
  if (typeof cause.syscall === 'string' && /^[a-z]+$/.test(cause.syscall)) return `${cause.syscall} failed (${code ?? 'network error'})`;
  return code ?? /^([A-Z]{2,})(?:\s|$)/.exec(cause.message)?.[1] ?? 'unreadable';
}

class NoAnswerError extends Error {}

/** The command's answer, or NoAnswerError at the deadline. */
function answered<T>(command: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new NoAnswerError()), remaining(deadline))));
  return Promise.race([command, late]).finally(() => clearTimeout(timer));
}

async function readSettings(connection: SingleRedis | Cluster, deadline: number): Promise<Settings> {
  try {
    const [, appendonly = ''] = (await answered(connection.config('GET', 'appendonly'), deadline)) as string[];
    const [, policy = ''] = (await answered(connection.config('GET', 'maxmemory-policy'), deadline)) as string[];
    return { appendonly, policy };
  } catch (error) {
    throw new UnreadableError(`CONFIG GET refused or unanswered: ${error instanceof NoAnswerError ? 'no answer in time' : connectionFailure(error as Error)}`);
  }
}

/** The node's risks; their messages do not name it (/healthz is public): `node` does, for the boot log. */
function risksOf(settings: Settings | Error, node?: string): DurabilityRisk[] {
  const at = node ? { node } : {};
  if (settings instanceof Error) {
    const reason = settings instanceof UnreadableError ? settings.message : 'unexpected error';
    return [{ ...unreadable(reason), ...at }];
  }
  const risks: DurabilityRisk[] = [];
  const { appendonly, policy } = settings;
  if (appendonly !== 'yes') {
    risks.push({ setting: 'appendonly', value: appendonly, message: `Redis has appendonly=${appendonly}: queued jobs are lost if Redis restarts. Set "appendonly yes".`, ...at });
  }
  if (policy !== 'noeviction') {
    risks.push({ setting: 'maxmemory-policy', value: policy, message: `Redis has maxmemory-policy=${policy}: it may evict queued jobs. Set "maxmemory-policy noeviction".`, ...at });
  }
  return risks;
}

function unreadable(reason: string): DurabilityRisk {
  return { setting: 'config', value: 'unreadable', message: `Could not read the Redis configuration (${reason}): check appendonly and maxmemory-policy yourself.` };
}

/** What is left of the reading's time (at least 1 ms: a timer of 0 would not bound anything). */
function remaining(deadline: number): number {
  return Math.max(deadline - Date.now(), 1);
}
