import { describe, expect, it } from 'vitest';
import { createCluster, isCluster, keySlot } from './cluster';
import { confirmingPing, RedisConnections } from './redis';

describe('keySlot', () => {
  it('hashes as Redis Cluster does (values from CLUSTER KEYSLOT)', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('{visapi}')).toBe(14841);
  });

  it('hashes only the hash tag when there is one: every VisAPI key lands in one slot', () => {
    expect(keySlot('{visapi}:critical:8d2f…:lock')).toBe(keySlot('{visapi}'));
    expect(keySlot('{visapi}:idem:k:abc')).toBe(keySlot('visapi'));
    // An empty tag is no tag: the whole key is hashed.
    expect(keySlot('{}visapi')).not.toBe(keySlot(''));
  });
});

describe('createCluster', () => {
  it('carries TLS and credentials to every node and the fail-fast settings to the whole', () => {
    const cluster = createCluster(
      { nodes: [{ host: 'a.cache.example.com', port: 6379 }], tls: true, username: 'app', password: 'p@ss' },
      { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, connectionName: 'visapi:test' },
    );
    try {
      expect(isCluster(cluster)).toBe(true);
      expect(cluster.options).toMatchObject({ enableOfflineQueue: false, lazyConnect: true });
      expect(cluster.options.redisOptions).toMatchObject({ tls: {}, username: 'app', password: 'p@ss', maxRetriesPerRequest: 1, commandTimeout: 2_000, connectionName: 'visapi:test' });
      expect(cluster.options.dnsLookup).toBeTypeOf('function');
    } finally {
      cluster.disconnect();
    }
  });

  it("auto-pipelining (request connections) is set on the Cluster client, whose own option it is", () => {
    const cluster = createCluster({ nodes: [{ host: '127.0.0.1', port: 7000 }], tls: false }, { lazyConnect: true, enableAutoPipelining: true });
    try {
      expect(cluster.options.enableAutoPipelining).toBe(true);
      expect(cluster.options.redisOptions).not.toHaveProperty('enableAutoPipelining');
    } finally {
      cluster.disconnect();
    }
  });
});

describe('confirmingPing', () => {
  it('on a Cluster whose slot map names no master for the prefix, rejects: nothing confirmed (never an empty "all answered")', async () => {
    const connections = new RedisConnections('', '{visapi-test}', { nodes: [{ host: '127.0.0.1', port: 1 }], tls: false });
    const cluster = connections.create('request', 'visapi:test');
    try {
      expect(isCluster(cluster)).toBe(true);
      await expect(confirmingPing(cluster)).rejects.toThrow(/no known master/);
    } finally {
      cluster.disconnect();
    }
  });
});
