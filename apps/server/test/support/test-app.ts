import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type DestinationStream } from 'pino';
import { createApp } from '../../src/app/create-app';
import { loadConfig, type Role } from '../../src/platform/config/config';
import { createLogger } from '../../src/platform/logger/logger';
import { closeRuntime, createRuntime, type Runtime } from '../../src/platform/runtime';
import type { TestInfra } from './test-infra';

export interface TestApp {
  app: NestFastifyApplication;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * The real application of a role on the test file's database and Redis prefix. Logs are
 * silent unless TEST_LOG_LEVEL is set; `logTo` receives the process logger's JSON lines (at
 * debug) instead.
 */
export async function createTestApp(
  infra: Pick<TestInfra, 'databaseUrl' | 'redisUrl' | 'redisPrefix'>,
  options: { role?: Role; env?: Record<string, string>; imports?: NonNullable<ModuleMetadata['imports']>; logTo?: DestinationStream } = {},
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: infra.redisPrefix,
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...options.env,
  });
  const logger = options.logTo
    ? createLogger({ ...config, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, options.logTo)
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const runtime = createRuntime(config, logger, { databaseUrl: config.DATABASE_URL!, redisUrl: config.REDIS_URL! });
  const app = await createApp(runtime, { role: options.role ?? 'all', imports: options.imports });
  let closed = false;
  return {
    app,
    runtime,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await closeRuntime(runtime);
    },
  };
}
