import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { adminQuery, databaseUrlFor } from './databases';

export interface TestInfra {
  /** This file's own database, a copy of the migrated template. */
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  /** This file's own Redis key prefix. */
  redisPrefix: string;
  /** Drops the database and deletes the prefix's keys. */
  cleanup(): Promise<void>;
}

/** Gives the calling test file a database and Redis prefix nobody else uses. */
export async function createTestInfra(): Promise<TestInfra> {
  const admin = inject('adminDatabaseUrl');
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `visapi_t_${inject('runId')}_${suffix}`;
  await adminQuery(admin, `CREATE DATABASE ${databaseName} TEMPLATE ${inject('templateDatabase')}`);
  const redisUrl = inject('redisUrl');
  const redisPrefix = `{t${suffix}}`;
  return {
    databaseUrl: databaseUrlFor(admin, databaseName),
    databaseName,
    redisUrl,
    redisPrefix,
    cleanup: async () => {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await deleteKeys(redisUrl, `${redisPrefix}*`);
    },
  };
}

export async function deleteKeys(redisUrl: string, pattern: string) {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
