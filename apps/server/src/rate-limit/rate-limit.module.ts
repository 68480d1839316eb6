import { Global, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { whenReady } from '../platform/redis/redis';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { RateLimiter } from './rate-limiter';

/**
 * The process's rate limiter, on a fail-fast Redis connection: while Redis is down, limited
 * routes answer 503 at once instead of queueing.
 */
@Injectable()
export class RateLimitService extends RateLimiter implements OnModuleInit {
  private readonly connection: Redis;

  constructor(@Inject(RUNTIME) runtime: Runtime) {
    const connection = runtime.redis.create('command', 'visapi:rate-limit');
    super(connection, runtime.config.REDIS_PREFIX);
    this.connection = connection;
  }

  /** Start-up waits (briefly) for the connection, so the first requests are not refused. */
  async onModuleInit() {
    await whenReady(this.connection, 5_000).catch(() => undefined);
  }
}

@Global()
@Module({ providers: [RateLimitService], exports: [RateLimitService] })
export class RateLimitModule {}
