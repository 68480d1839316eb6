import type { Logger } from 'pino';
import type { Config } from './config/config';
import { createDataCipher, type DataCipher } from './crypto/encryption';
import { createDatabase, type DatabaseHandle } from './db/database';
import type { Infrastructure } from './embedded/infrastructure';
import { RedisConnections } from './redis/redis';

/** Set while the process drains before shutdown: health answers 503. */
export interface Lifecycle {
  draining: boolean;
}

/**
 * What every part of a process shares: configuration, logger, database and Redis.
 * Built once at boot, outside Nest, so the CLI uses exactly the same pieces.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  redis: RedisConnections;
  /** Encrypts data at rest (run inputs) with DATA_ENCRYPTION_KEY; also reads DATA_ENCRYPTION_PREVIOUS_KEYS. */
  cipher: DataCipher;
  /** Set while the process drains before shutdown: health answers 503. */
  lifecycle: Lifecycle;
}

export function createRuntime(config: Config, logger: Logger, infra: Pick<Infrastructure, 'databaseUrl' | 'redisUrl'>): Runtime {
  return {
    config,
    logger,
    database: createDatabase(infra.databaseUrl, config.DATABASE_POOL_SIZE),
    redis: new RedisConnections(infra.redisUrl, config.REDIS_PREFIX, config.REDIS_CLUSTER_NODES),
    cipher: createDataCipher(config),
    lifecycle: { draining: false },
  };
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await Promise.allSettled([runtime.database.close(), runtime.redis.closeAll()]);
}
