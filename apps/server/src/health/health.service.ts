import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Health, HealthCheck, HealthWarning } from '@visapi/contracts';
import type { Redis } from '../platform/redis/redis';
import type { Config } from '../platform/config/config';
import type { DatabaseHandle } from '../platform/db/database';
import { CONFIG, DATABASE, LIFECYCLE, REDIS } from '../platform/platform.module';
import { redisDurabilityRisks } from '../platform/redis/durability';
import { closeClient, pingRedis, type RedisConnections } from '../platform/redis/redis';
import type { Lifecycle } from '../platform/runtime';

/** How long one reading of Redis's durability settings serves /healthz (probes come every few seconds). */
export const DURABILITY_READING_MAX_AGE_MS = 60_000;

@Injectable()
export class HealthService implements OnModuleDestroy {
  private redisClient?: Redis;
  private durability?: { warnings: HealthWarning[]; at: number };
  private reading?: Promise<HealthWarning[]>;

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
    const warnings = redis.status === 'up' ? await this.durabilityWarnings(timeout) : (this.durability?.warnings ?? []);
    return { status, checks: { database, redis }, warnings };
  }

  /**
   * SPEC §1: a Redis that may lose (appendonly no) or evict (maxmemory-policy other than
   * noeviction) queued jobs is named here as at boot; it does not fail readiness — the
   * process works, its data is at risk, and that is the operator's to fix.
   */
  private durabilityWarnings(timeoutMs: number): Promise<HealthWarning[]> | HealthWarning[] {
    if (this.durability && Date.now() - this.durability.at < DURABILITY_READING_MAX_AGE_MS) return this.durability.warnings;
    // One reading at a time (on a Cluster it connects to every node): concurrent probes await it.
    this.reading ??= this.readDurability(timeoutMs).finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** A reading that fails keeps the last warnings, and counts as a reading: at most one a minute either way. */
  private async readDurability(timeoutMs: number): Promise<HealthWarning[]> {
    const at = Date.now();
    try {
      const risks = await redisDurabilityRisks(this.redis, timeoutMs);
      // Public: the setting, never a Cluster node's address (the boot log names the node).
      this.durability = { warnings: risks.map(({ node: _node, ...risk }) => ({ check: 'redis', ...risk })), at };
    } catch {
      this.durability = { warnings: this.durability?.warnings ?? [], at };
    }
    return this.durability.warnings;
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
