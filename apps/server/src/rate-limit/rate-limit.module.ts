import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { RateLimiter } from './rate-limiter';

/** The process's rate limiter, on a fail-fast Redis connection. */
@Injectable()
export class RateLimitService extends RateLimiter {
  constructor(@Inject(RUNTIME) runtime: Runtime) {
    super(runtime.redis.create('command', 'visapi:rate-limit'), runtime.config.REDIS_PREFIX);
  }
}

@Global()
@Module({ providers: [RateLimitService], exports: [RateLimitService] })
export class RateLimitModule {}
