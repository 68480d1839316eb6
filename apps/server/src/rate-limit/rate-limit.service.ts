import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from '../platform/redis/redis';
import { whenReady, withRequestDeadline } from '../platform/redis/redis';
import { type RequestBudget, requestBudget } from '../platform/redis/request-budget';
import { REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import type { FastifyReply } from 'fastify';
import { Metrics } from '../metrics/metrics';
import { ProblemException, redisUnavailable, redisUnavailableFor } from '../platform/http/problem';
import { type Bucket, RateLimiter, type RateLimitResult, rateLimitHeaders } from './rate-limiter';

/**
 * The process's rate limiter, on a fail-fast Redis connection: while Redis is down, limited
 * routes answer 503 at once instead of queueing.
 */
@Injectable()
export class RateLimitService extends RateLimiter implements OnModuleInit {
  private readonly connection: Redis;

  constructor(
    @Inject(REDIS) redis: RedisConnections,
    private readonly metrics: Metrics,
  ) {
    const connection = redis.create('request', 'visapi:rate-limit');
    super(connection, redis.prefix);
    this.connection = connection;
  }

  /** A token, within the request's deadline (callers answer 503, or count nothing, when it is missed). */
  override take(key: string, bucket: Bucket, budget?: RequestBudget): Promise<RateLimitResult> {
    return withRequestDeadline(() => super.take(key, bucket), this.connection, 'rate limit', budget);
  }

  /**
   * Refuses with 503 at once while the connection to Redis is down, before a request does any
   * other work: during an outage the caches that spare PostgreSQL are off too, and every
   * request would otherwise query it only to be refused here.
   */
  assertConnected(): void {
    if (this.connection.status !== 'ready') throw redisUnavailable(UNAVAILABLE);
  }

  /**
   * Takes a token or refuses with 429 (Retry-After); 503 when Redis does not answer.
   * `withHeaders` adds the RateLimit-* headers to the response (requests made with an API key).
   */
  async enforce(key: string, bucket: Bucket, reply: FastifyReply, withHeaders: boolean): Promise<void> {
    let result;
    try {
      result = await this.take(key, bucket, requestBudget(reply.request));
    } catch (error) {
      throw redisUnavailableFor(error, UNAVAILABLE);
    }
    const headers = rateLimitHeaders(result);
    if (withHeaders) void reply.headers(headers);
    if (!result.allowed) {
      this.metrics.rateLimited.inc({ kind: key.startsWith('key:') ? 'key' : 'ip' });
      throw new ProblemException('tooManyRequests', `Rate limit exceeded: retry after ${result.retryAfterSeconds} s.`, undefined, {
        ...(withHeaders ? headers : {}),
        'retry-after': String(result.retryAfterSeconds),
      });
    }
  }

  /** Start-up waits (briefly) for the connection, so the first requests are not refused. */
  async onModuleInit() {
    await whenReady(this.connection, 5_000).catch(() => undefined);
  }
}

const UNAVAILABLE = 'Rate limiting is unavailable (Redis does not answer); nothing was accepted. Try again shortly.';
