import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/platform/config/config';
import { migrate } from '../../src/platform/db/migrate';
import { provideInfrastructure, type Infrastructure } from '../../src/platform/embedded/infrastructure';
import { pingRedis } from '../../src/platform/redis/redis';
import { Redis } from 'ioredis';
import { adminQuery, databaseUrlFor } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases. */
    adminDatabaseUrl: string;
    redisUrl: string;
    /** A migrated database that each test file copies (CREATE DATABASE ... TEMPLATE). */
    templateDatabase: string;
    runId: string;
  }
}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await pingRedis(client, 2_000);
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Finds PostgreSQL and Redis at DATABASE_URL and REDIS_URL (or their defaults); where
 * nothing answers, starts an embedded PostgreSQL and a private redis-server, as `npm start`
 * does. Then migrates one template database that every test file clones.
 */
export default async function setup(project: TestProject) {
  const logger = pino({ level: 'warn' });
  const wantedDb = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const wantedRedis = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const [dbUp, redisUp] = await Promise.all([postgresAnswers(wantedDb), redisAnswers(wantedRedis)]);
  let infra: Infrastructure | undefined;
  if (!dbUp || !redisUp) {
    const config = loadConfig({
      VISAPI_DATA_DIR: path.resolve(__dirname, '../../../../.visapi/test-services'),
      ...(dbUp ? { DATABASE_URL: wantedDb } : {}),
      ...(redisUp ? { REDIS_URL: wantedRedis } : {}),
    });
    infra = await provideInfrastructure(config, logger);
    process.stdout.write(
      `test services: ${dbUp ? '' : 'embedded PostgreSQL '}${redisUp ? '' : 'private redis-server '}(nothing answered at ${[dbUp ? '' : wantedDb, redisUp ? '' : wantedRedis].filter(Boolean).join(', ')})\n`,
    );
  }
  const adminDatabaseUrl = infra?.embedded.postgres ? infra.databaseUrl : wantedDb;
  const redisUrl = infra?.embedded.redis ? infra.redisUrl : wantedRedis;

  const runId = randomBytes(4).toString('hex');
  const templateDatabase = `visapi_tpl_${runId}`;
  await adminQuery(adminDatabaseUrl, `CREATE DATABASE ${templateDatabase}`);
  await migrate(databaseUrlFor(adminDatabaseUrl, templateDatabase), logger);

  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);

  return async () => {
    const rows = await adminQuery(
      adminDatabaseUrl,
      `SELECT datname FROM pg_database WHERE datname LIKE 'visapi\\_t\\_${runId}\\_%' OR datname = '${templateDatabase}'`,
    );
    for (const { datname } of rows) await adminQuery(adminDatabaseUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await infra?.release();
  };
}
