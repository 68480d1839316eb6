import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Health, HealthCheck } from '@visapi/contracts';
import type { Redis } from '../platform/redis/redis';
import type { Config } from '../platform/config/config';
import type { DatabaseHandle } from '../platform/db/database';
import { CONFIG, DATABASE, LIFECYCLE, REDIS } from '../platform/platform.module';
import { closeClient, pingRedis, type RedisConnections } from '../platform/redis/redis';
import type { Lifecycle } from '../platform/runtime';

@Injectable()
export class HealthService implements OnModuleDestroy {
  private redisClient?: Redis;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'HEALTH_CHECK_TIMEOUT_MS'>,
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(REDIS) private readonly connections: RedisConnections,
    @Inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
  ) {}

  private get redis(): Redis {
    this.redisClient ??= this.connections.create('command', 'visapi:health');
    return this.redisClient;
  }

  async check(): Promise<Health> {
    const timeout = this.config.HEALTH_CHECK_TIMEOUT_MS;
    const [database, redis] = await Promise.all([
      measure(() => this.database.ping(timeout)),
      measure(() => pingRedis(this.redis, timeout)),
    ]);
    const status = this.lifecycle.draining
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
