import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Health, HealthCheck } from '@visapi/contracts';
import type { Redis } from 'ioredis';
import { RUNTIME } from '../platform/platform.module';
import { closeClient, pingRedis } from '../platform/redis/redis';
import type { Runtime } from '../platform/runtime';

@Injectable()
export class HealthService implements OnModuleDestroy {
  private redisClient?: Redis;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  private get redis(): Redis {
    this.redisClient ??= this.runtime.redis.create('command', 'visapi:health');
    return this.redisClient;
  }

  async check(): Promise<Health> {
    const timeout = this.runtime.config.HEALTH_CHECK_TIMEOUT_MS;
    const [database, redis] = await Promise.all([
      measure(() => this.runtime.database.ping(timeout)),
      measure(() => pingRedis(this.redis, timeout)),
    ]);
    const status = this.runtime.lifecycle.draining
      ? 'draining'
      : database.status === 'up' && redis.status === 'up'
        ? 'ok'
        : 'error';
    return { status, checks: { database, redis } };
  }

  async onModuleDestroy() {
    if (this.redisClient) await closeClient(this.redisClient);
  }
}

async function measure(probe: () => Promise<void>): Promise<HealthCheck> {
  const started = performance.now();
  try {
    await probe();
    return { status: 'up', latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', latencyMs: round(performance.now() - started), error: (error as Error).message };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
