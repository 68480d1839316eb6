import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNodes, parseClusterNodes } from '../src/platform/config/config.schema';
import { redisDurabilityRisks } from '../src/platform/redis/durability';
import { pingRedis, type Redis as VisapiRedis, RedisConnections } from '../src/platform/redis/redis';
import { RedisClusterFixture } from './support/redis-cluster';

/**
 * The durability check on a real Redis Cluster (3 masters + 3 replicas on loopback): every node
 * the Cluster lists is read over a short-lived connection of its own, within the deadline, and
 * that connection is closed. A node timeout of 5 s: long enough that a node stopped for a moment
 * is not failed over, short enough that a killed one is soon marked failed.
 */
let cluster: RedisClusterFixture;
let connections: RedisConnections;

beforeAll(async () => {
  cluster = await new RedisClusterFixture(5_000).start(3, 1);
  connections = new RedisConnections('', '{durability}', parseClusterNodes(cluster.seeds) as ClusterNodes);
}, 120_000);

afterAll(async () => {
  await connections?.closeAll();
  await cluster?.stop();
});

/** A Cluster client as a VisAPI process makes one, answering (connected to one node, not yet to the replicas). */
async function freshClient(): Promise<VisapiRedis> {
  const client = connections.create('command', 'visapi:test');
  await pingRedis(client, 10_000);
  return client;
}

/** Connections of one name open on the Cluster's nodes: by default, the durability check's. */
const named = async (name = 'visapi:durability-check', of = cluster) => Object.values(await of.connections(name)).reduce((sum, n) => sum + n, 0);

describe('redisDurabilityRisks on a Redis Cluster', () => {
  it('reads every master and replica, right after the client connected, and names the node of each setting at risk', async () => {
    const client = await freshClient();
    expect(await redisDurabilityRisks(client, 5_000)).toEqual([]);

    const master = await cluster.masterOf(0);
    const replica = await cluster.replicaOf(await cluster.masterOf(16_383));
    await cluster.configSet(master, 'appendonly', 'no');
    await cluster.configSet(replica, 'maxmemory-policy', 'allkeys-lru');
    try {
      // A client that has not yet spoken to any replica: the replica is read all the same.
      const risks = await redisDurabilityRisks(await freshClient(), 5_000);
      expect(risks).toHaveLength(2);
      expect(risks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ setting: 'appendonly', value: 'no', node: `127.0.0.1:${master}`, message: expect.not.stringContaining('127.0.0.1') }),
          expect.objectContaining({ setting: 'maxmemory-policy', value: 'allkeys-lru', node: `127.0.0.1:${replica}` }),
        ]),
      );
    } finally {
      await cluster.configSet(master, 'appendonly', 'yes');
      await cluster.configSet(replica, 'maxmemory-policy', 'noeviction');
    }
    await expect.poll(() => named(), { timeout: 5_000, interval: 50 }).toBe(0);
  }, 60_000);

  it('names a node that does not answer within the deadline as unreadable, and leaves no connection behind', async () => {
    const client = await freshClient();
    const replica = await cluster.replicaOf(await cluster.masterOf(0));
    cluster.pause(replica, true);
    let risks;
    try {
      // Were there no deadline, this would wait until the node is resumed below: forever.
      risks = await redisDurabilityRisks(client, 2_000);
    } finally {
      cluster.pause(replica, false);
    }
    expect(risks).toEqual([
      { setting: 'config', value: 'unreadable', node: `127.0.0.1:${replica}`, message: expect.stringMatching(/^Could not read the Redis configuration \(could not connect to it: no connection in time\): check appendonly/) },
    ]);
    await expect.poll(() => named(), { timeout: 5_000, interval: 50 }).toBe(0);
  }, 60_000);

  it('names a killed replica as unreadable until the Cluster marks it failed, then leaves it to the Cluster', async () => {
    const client = await freshClient();
    const replica = await cluster.replicaOf(await cluster.masterOf(5_000));
    await cluster.kill(replica);
    expect(await redisDurabilityRisks(client, 2_000)).toEqual([
      { setting: 'config', value: 'unreadable', node: `127.0.0.1:${replica}`, message: expect.stringContaining('could not connect to it: connect failed (ECONNREFUSED)') },
    ]);
    await expect.poll(() => redisDurabilityRisks(client, 2_000), { timeout: 30_000, interval: 250 }).toEqual([]);
  }, 60_000);
});

describe('redisDurabilityRisks on a Redis Cluster that requires a password', () => {
  it('reads every node with the Cluster client’s credentials', async () => {
    const guarded = await new RedisClusterFixture(3_000, 's3cret').start(3, 1);
    const seeds = guarded.ports().map((port) => `redis://:s3cret@127.0.0.1:${port}`).join(',');
    const withPassword = new RedisConnections('', '{durability}', parseClusterNodes(seeds) as ClusterNodes);
    try {
      const client = withPassword.create('command', 'visapi:test');
      await pingRedis(client, 10_000);
      // Without the password each node would answer NOAUTH: six "could not read" warnings.
      expect(await redisDurabilityRisks(client, 5_000)).toEqual([]);
      // The fixture reads CLIENT LIST with the password too: the client's own connection is seen, the check's are closed.
      expect(await named('visapi:test', guarded)).toBeGreaterThanOrEqual(1);
      await expect.poll(() => named('visapi:durability-check', guarded), { timeout: 5_000, interval: 50 }).toBe(0);
    } finally {
      await withPassword.closeAll();
      await guarded.stop();
    }
  }, 60_000);
});
