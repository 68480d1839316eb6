import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestInfra, type TestInfra } from '../../../test/support/test-infra';
import { RedisConnections, whenReady } from './redis';

let infra: TestInfra;
let connections: RedisConnections;

beforeAll(async () => {
  infra = await createTestInfra();
  connections = new RedisConnections(infra.redisUrl, infra.redisPrefix);
});

afterAll(async () => {
  await connections.closeAll();
  await infra.cleanup();
});

describe('request connections (issue 15: one write per event-loop turn)', () => {
  it('send the commands of every request in flight in one turn together, each answered in order', async () => {
    const connection = connections.create('request', 'visapi:test-request');
    await whenReady(connection, 5_000);
    const key = connections.key('pipelined');
    const answers = Array.from({ length: 20 }, () => connection.incr(key));
    // Queued, not yet written: they leave together at the end of this turn.
    expect(connection.autoPipelineQueueSize).toBe(20);
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('command and blocking connections write each command at once (BullMQ workers must not be pipelined)', async () => {
    for (const kind of ['command', 'blocking'] as const) {
      const connection = connections.create(kind, `visapi:test-${kind}`);
      await whenReady(connection, 5_000);
      const answers = [connection.incr(connections.key(kind)), connection.incr(connections.key(kind))];
      expect(connection.autoPipelineQueueSize).toBe(0);
      expect(await Promise.all(answers)).toEqual([1, 2]);
    }
  });
});
