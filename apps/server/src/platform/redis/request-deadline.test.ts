import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { type Redis, RedisConnections, whenReady, withRequestDeadline, RedisDeadlineError } from './redis';
import Fastify, { type FastifyRequest } from 'fastify';
import { installBodyParsers } from '../http/body-parsers';
import { MIN_COMMAND_MS, RedisBudgetSpentError, RequestBudget, requestBudget, startRedisBudget } from './request-budget';

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
  it('counts from redisBudgetFrom; every call gives the same budget, an unstarted request counting from the first', async () => {
    const now = performance.now();
    expect(requestBudget({ redisBudgetFrom: now - 10 } as FastifyRequest).nextCommandMs('x')).toBe(500);
    const late = { redisBudgetFrom: now - 750 } as FastifyRequest;
    expect(requestBudget(late).nextCommandMs('x')).toBeLessThanOrEqual(150);
    expect(() => requestBudget({ redisBudgetFrom: now - 950 } as FastifyRequest).nextCommandMs('x')).toThrow(RedisBudgetSpentError);

    const unstarted = {} as FastifyRequest;
    requestBudget(unstarted);
    const from = unstarted.redisBudgetFrom;
    expect(from).toBeGreaterThanOrEqual(now);
    await new Promise((resolve) => setTimeout(resolve, 20));
    requestBudget(unstarted);
    expect(unstarted.redisBudgetFrom).toBe(from); // not a fresh 900 ms per command
  });

  it('starts on arrival, and again once the body parsers have read a body (an upload is the client\'s time)', async () => {
    const fastify = Fastify();
    fastify.addHook('onRequest', async (request) => startRedisBudget(request));
    fastify.addHook('onRequest', async (request) => {
      (request as FastifyRequest & { arrivedAt?: number }).arrivedAt = request.redisBudgetFrom;
      await new Promise((resolve) => setTimeout(resolve, 30)); // the body takes a while
    });
    installBodyParsers(fastify);
    fastify.post('/trigger', async (request) => ({
      since: (request as FastifyRequest & { arrivedAt: number }).arrivedAt,
      from: request.redisBudgetFrom,
      now: performance.now(),
    }));
    try {
      const before = performance.now();
      const bodiless = (await fastify.inject({ method: 'POST', url: '/trigger' })).json<{ since: number; from: number; now: number }>();
      expect(bodiless.from).toBe(bodiless.since);
      expect(bodiless.from).toBeGreaterThanOrEqual(before);
      const withBody = (await fastify.inject({ method: 'POST', url: '/trigger', payload: { a: 1 } })).json<{ since: number; from: number; now: number }>();
      expect(withBody.from - withBody.since).toBeGreaterThanOrEqual(25);
      expect(withBody.from).toBeLessThanOrEqual(withBody.now);
    } finally {
      await fastify.close();
    }
  });
});
