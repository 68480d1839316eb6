import type { FastifyRequest } from 'fastify';
import { REQUEST_REDIS_DEADLINE_MS } from './redis';

/**
 * SPEC §13: while Redis is down or unanswering, a request answers 503 within 1 s of its arrival.
 * Its Redis commands together get this long; 100 ms are left for the rest of the answer.
 */
export const REQUEST_REDIS_BUDGET_MS = 900;

/**
 * The least time a command is sent with. Less would be a deadline the command misses even when
 * Redis answers at once (a round trip, a busy event loop) — yet Redis may carry it out, so a
 * stored add would be answered with a 503 "may have been queued". Below it nothing is sent.
 */
export const MIN_COMMAND_MS = 100;

/** Nothing was sent: the request's time for Redis was already spent (or too little was left to send). */
export class RedisBudgetSpentError extends Error {}

/** The detail of a 503 whose request ran out of time before a Redis command (the gateway is overloaded, or Redis slow). */
export const BUDGET_SPENT_DETAIL = 'The request ran out of time before it could be queued (the gateway is overloaded, or Redis slow); nothing was accepted. Retry shortly.';

/** What is left of one request's time for Redis (docs/adr/0013-redis-outage-deadline.md). */
export class RequestBudget {
  private constructor(private readonly endsAt: number) {}

  /** A budget counted from `startedAt` (a performance.now() reading). */
  static from(startedAt: number, ms = REQUEST_REDIS_BUDGET_MS): RequestBudget {
    return new RequestBudget(startedAt + ms);
  }

  /** The next command's deadline: the per-command one, or what is left if less; throws when less than MIN_COMMAND_MS is. */
  nextCommandMs(what: string): number {
    const left = this.endsAt - performance.now();
    if (left < MIN_COMMAND_MS) throw new RedisBudgetSpentError(`${what}: the request's time for Redis is spent; nothing was sent`);
    return Math.min(REQUEST_REDIS_DEADLINE_MS, left);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * performance.now() from which the request's time for Redis counts: its arrival (set by
     * the first onRequest hook), moved to when its body was all in by the body parsers (an
     * upload's duration is the client's, not a wait on Redis).
     */
    redisBudgetFrom?: number;
  }
}

/** The request's time for Redis counts from now (its arrival; its body read, when one comes). */
export function startRedisBudget(request: FastifyRequest): void {
  request.redisBudgetFrom = performance.now();
}

/**
 * The request's budget. Every call gives the same one: it depends only on redisBudgetFrom (a
 * request that was never started counts from the first call, and is started then).
 */
export function requestBudget(request: FastifyRequest): RequestBudget {
  return RequestBudget.from((request.redisBudgetFrom ??= performance.now()));
}
