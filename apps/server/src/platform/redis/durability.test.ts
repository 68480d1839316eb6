import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { ClusterNodeEntry } from './cluster-nodes';
import { clusterRisks, connectionFailure, redisDurabilityRisks } from './durability';

describe('connectionFailure (said on the public /healthz)', () => {
  it('names a failed connection in a fixed vocabulary, never with the address an error message holds', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(connectionFailure(refused)).toBe('connect failed (ECONNREFUSED)');
    // A TLS name mismatch: no syscall, and the message lists the certificate's names.
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: node-3.internal.example. is not in the cert's altnames: DNS:*.cache.example.com"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(connectionFailure(altname)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(connectionFailure(new Error('WRONGPASS invalid username-password pair or user is disabled.'))).toBe('WRONGPASS');
    expect(connectionFailure(new Error('NOAUTH Authentication required.'))).toBe('NOAUTH');
    expect(connectionFailure(new Error('getaddrinfo failed for node-3.internal.example'))).toBe('unreadable');
    expect(connectionFailure(undefined)).toBe('no connection in time');
  });
});

const node = (address: string): ClusterNodeEntry => {
  const [host = '', port = '0'] = address.split(':');
  return { address, host, port: Number(port), role: 'master', failed: false };
};

describe('clusterRisks', () => {
  it('a CLUSTER NODES reply that lists no node is unreadable, never "no risk"', async () => {
    const read = vi.fn(async () => ({ appendonly: 'yes', policy: 'noeviction' }));
    expect(await clusterRisks([], read)).toEqual([
      { setting: 'config', value: 'unreadable', message: 'Could not read the Redis configuration (CLUSTER NODES listed no node): check appendonly and maxmemory-policy yourself.' },
    ]);
    expect(read).not.toHaveBeenCalled();
  });

  it('names the node of each risk in its own field, never in the message (/healthz is public)', async () => {
    const risks = await clusterRisks([node('10.0.0.7:6379'), node('10.0.0.8:6379')], async ({ address }) =>
      address === '10.0.0.7:6379' ? { appendonly: 'no', policy: 'noeviction' } : Promise.reject(new Error(`MOVED 1 ${address}`)),
    );
    expect(risks).toEqual([
      { setting: 'appendonly', value: 'no', node: '10.0.0.7:6379', message: 'Redis has appendonly=no: queued jobs are lost if Redis restarts. Set "appendonly yes".' },
      { setting: 'config', value: 'unreadable', node: '10.0.0.8:6379', message: 'Could not read the Redis configuration (unexpected error): check appendonly and maxmemory-policy yourself.' },
    ]);
  });
});

describe('redisDurabilityRisks', () => {
  it('says why CONFIG GET failed in the fixed vocabulary, not with the error message', async () => {
    const client = new Redis(1, '127.0.0.1', { retryStrategy: () => 100, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      const risks = await redisDurabilityRisks(client, 1_000);
      expect(risks).toEqual([
        { setting: 'config', value: 'unreadable', message: 'Could not read the Redis configuration (CONFIG GET refused or unanswered: unreadable): check appendonly and maxmemory-policy yourself.' },
      ]);
    } finally {
      client.disconnect();
    }
  });
});
