import { describe, expect, it } from 'vitest';
import { parseClusterNodesReply } from './cluster-nodes';

describe('parseClusterNodesReply', () => {
  it('lists masters and replicas with the address they announce (Redis 7.0 format)', () => {
    const reply = [
      'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7004@17004 slave a1 0 1700000000000 1 connected',
      'c3 127.0.0.1:7002@17002 master - 0 1700000000000 2 connected 5461-10922',
      // A master without slots is a node too (CLUSTER SLOTS would leave it out).
      'd4 127.0.0.1:7007@17007 master - 0 1700000000000 7 connected',
      '',
    ].join('\n');
    expect(parseClusterNodesReply(reply, '10.0.0.9')).toEqual([
      { address: '127.0.0.1:7001', host: '127.0.0.1', port: 7001, role: 'master', failed: false },
      { address: '127.0.0.1:7004', host: '127.0.0.1', port: 7004, role: 'replica', failed: false },
      { address: '127.0.0.1:7002', host: '127.0.0.1', port: 7002, role: 'master', failed: false },
      { address: '127.0.0.1:7007', host: '127.0.0.1', port: 7007, role: 'master', failed: false },
    ]);
  });

  it('prefers an announced hostname (Redis 7.2 adds aux fields after it), and keeps an IPv6 address whole', () => {
    const reply = [
      'a1 10.0.0.1:6379@16379,node-1.cache.example.com,tls-port=0,shard-id=x myself,master - 0 0 1 connected 0-16383',
      'b2 10.0.0.2:6379@16379,,tls-port=0,shard-id=x slave a1 0 1 1 connected',
      'c3 ::1:6380@16380 slave a1 0 1 1 connected',
    ].join('\n');
    expect(parseClusterNodesReply(reply, 'seed.example.com').map((n) => [n.host, n.port, n.address])).toEqual([
      ['node-1.cache.example.com', 6379, 'node-1.cache.example.com:6379'],
      ['10.0.0.2', 6379, '10.0.0.2:6379'],
      ['::1', 6380, '[::1]:6380'],
    ]);
  });

  it('names by the host asked a node that does not know its own IP yet', () => {
    expect(parseClusterNodesReply('a1 :7001@17001 myself,master - 0 0 0 connected\n', 'redis.internal')).toEqual([
      { address: 'redis.internal:7001', host: 'redis.internal', port: 7001, role: 'master', failed: false },
    ]);
  });

  it('marks a node the Cluster holds to be down (fail, not the suspicion fail?) and leaves out nodes without an address', () => {
    const reply = [
      'a1 127.0.0.1:7001@17001 master,fail - 1 1 1 disconnected',
      'b2 127.0.0.1:7004@17004 slave,fail? a1 1 1 1 connected',
      'c3 :0@0 slave,noaddr a1 1 1 1 disconnected',
      'd4 127.0.0.1:7009@17009 handshake - 0 0 0 connected',
    ].join('\n');
    expect(parseClusterNodesReply(reply, '127.0.0.1').map((n) => [n.port, n.failed])).toEqual([
      [7001, true],
      [7004, false],
    ]);
  });
});
