import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { type Redis, RedisConnections, whenReady, withRequestDeadline, RedisDeadlineError } from './redis';
import Fastify, { type FastifyRequest } from 'fastify';
import { MIN_COMMAND_MS, RedisBudgetSpentError, RequestBudget, requestBudget, stampArrival } from './request-budget';

/**
 * Issue 16: a request's Redis commands share one budget, and a missed deadline drops the
 * connection only when a PING confirms Redis has stopped answering on it. Real Redis, behind a
 * TCP proxy that can hold its answers.
 */
let proxy: TcpProxy;
let redis: RedisConnections;
let connection: Redis;
let held: ReturnType<TcpProxy['hold']> | undefined;

beforeEach(async () => {
  const proxied = await TcpProxy.forUrl(inject('redisUrl'));
  proxy = proxied.proxy;
  redis = new RedisConnections(proxied.url, 'test:request-deadline');
  connection = redis.create('request', 'test:request-deadline');
  await whenReady(connection, 5_000);
});
afterEach(async () => {
  held?.release();
  held = undefined;
  await redis.closeAll();
  await proxy.close();
});

/** The deadline a command was given, read from its rejection. */
const deadlineOf = (error: Error) => Number(/within (\d+) ms/.exec(error.message)?.[1]);

describe('withRequestDeadline', () => {
  it('a command gets what is left of the request budget when that is less than 500 ms', async () => {
    held = proxy.hold();
    const budget = RequestBudget.from(performance.now() - 750);
    const error = (await withRequestDeadline(() => connection.get('k'), connection, 'get', budget).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(RedisDeadlineError);
    expect(deadlineOf(error)).toBeGreaterThanOrEqual(MIN_COMMAND_MS);
    expect(deadlineOf(error)).toBeLessThanOrEqual(150);
  });

  it('less than the minimum time to send left: nothing is sent (a deadline it would miss while Redis stores it)', async () => {
    let sent = 0;
    const budget = RequestBudget.from(performance.now() - 850); // ~50 ms left
    const error = await withRequestDeadline(() => (sent++, connection.get('k')), connection, 'get', budget).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisBudgetSpentError);
    expect(sent).toBe(0);
  });

  it('a spent budget sends nothing and refuses at once', async () => {
    let sent = 0;
    const budget = RequestBudget.from(performance.now() - 1_000);
    const error = await withRequestDeadline(() => (sent++, connection.get('k')), connection, 'get', budget).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisBudgetSpentError);
    expect(sent).toBe(0);
  });

  it('a late answer (Redis paused a moment) keeps the connection: the confirming PING is answered', async () => {
    let closed = 0;
    connection.on('close', () => closed++);
    const stream = (connection as import('ioredis').Redis).stream;
    held = proxy.hold();
    const late = withRequestDeadline(() => connection.get('k'), connection, 'get', RequestBudget.from(performance.now() - 750));
    await expect(late).rejects.toBeInstanceOf(RedisDeadlineError);
    held.release(); // the answers come, the PING's with them
    held = undefined;
    expect(await connection.ping()).toBe('PONG'); // answered after the confirming PING
    expect(closed).toBe(0);
    expect((connection as import('ioredis').Redis).stream).toBe(stream);
  });

  it('a Redis that stopped answering: the PING misses too, the connection is dropped and what waits on it fails at once', async () => {
    held = proxy.hold();
    const closed = new Promise((resolve) => connection.once('close', resolve));
    const waiting = connection.get('behind').then(
      () => 'answered',
      () => 'failed',
    );
    const missed = (await withRequestDeadline(() => connection.get('k'), connection, 'get').catch((e: Error) => e)) as Error;
    expect(missed).toBeInstanceOf(RedisDeadlineError);
    expect(deadlineOf(missed)).toBe(500); // without a budget: the per-command deadline
    await closed;
    expect(await waiting).toBe('failed');
  });
});

describe('requestBudget', () => {
  it('counts from when the body was in, else from the arrival stamped; one budget per request', () => {
    const now = performance.now();
    // Stand-ins for the two fields it reads.
    const uploadedSlowly = { arrivedAt: now - 5_000, bodyReadAt: now - 10 } as FastifyRequest;
    expect(requestBudget(uploadedSlowly).nextCommandMs('x')).toBe(500);
    const bodiless = { arrivedAt: now - 750 } as FastifyRequest;
    const budget = requestBudget(bodiless);
    expect(budget.nextCommandMs('x')).toBeLessThanOrEqual(150);
    expect(requestBudget(bodiless)).toBe(budget);
    expect(() => requestBudget({ arrivedAt: now - 950 } as FastifyRequest).nextCommandMs('x')).toThrow(RedisBudgetSpentError);
  });

  it('every request is stamped on arrival, so a bodyless one (a manual trigger) counts from then, not from its first command', async () => {
    const fastify = Fastify();
    stampArrival(fastify);
    fastify.post('/trigger', async (request) => ({ sinceArrival: performance.now() - request.arrivedAt! }));
    try {
      const before = performance.now();
      const { sinceArrival } = (await fastify.inject({ method: 'POST', url: '/trigger' })).json<{ sinceArrival: number }>();
      expect(sinceArrival).toBeGreaterThanOrEqual(0);
      expect(sinceArrival).toBeLessThanOrEqual(performance.now() - before);
    } finally {
      await fastify.close();
    }
  });
});
