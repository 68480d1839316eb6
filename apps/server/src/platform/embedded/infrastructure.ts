import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedRedis } from './embedded-redis';
import { isServer, readRuntime, SERVICE_NAMES, type ServiceName, stopService, withLock, writeRuntime } from './embedded-runtime';
import { ensureWatchdog } from './embedded-watchdog';
import { isAlive, portAnswers } from './process-utils';

/** Where PostgreSQL and Redis are, and how to let go of them at shutdown. */
export interface Infrastructure {
  databaseUrl: string;
  redisUrl: string;
  /** Which of the two are embedded servers under VISAPI_DATA_DIR. */
  embedded: { postgres: boolean; redis: boolean };
  release(): Promise<void>;
}

/**
 * Uses DATABASE_URL and REDIS_URL when set; otherwise starts (or joins, when another
 * VisAPI process on the same data dir already did) an embedded PostgreSQL and a private
 * redis-server under VISAPI_DATA_DIR.
 */
export async function provideInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const needed: ServiceName[] = [];
  if (!config.DATABASE_URL) needed.push('postgres');
  // A Cluster (REDIS_CLUSTER_NODES) is never embedded; redisUrl stays empty, unused.
  const externalRedis = config.REDIS_URL ?? (config.REDIS_CLUSTER_NODES ? '' : undefined);
  if (externalRedis === undefined) needed.push('redis');
  if (needed.length === 0) {
    return {
      databaseUrl: config.DATABASE_URL!,
      redisUrl: externalRedis!,
      embedded: { postgres: false, redis: false },
      release: async () => undefined,
    };
  }

  fs.mkdirSync(config.dataDir, { recursive: true });
  const entries = await withLock(config.dataDir, async () => {
    const runtime = readRuntime(config.dataDir);
    for (const name of needed) {
      const entry = runtime[name];
      // Servers left by a VisAPI that was killed are joined as they are (the watchdog had
      // not stopped them yet); one that runs but does not answer is replaced.
      if (entry && isServer(name, entry.pid) && (await portAnswers(entry.port))) {
        const users = entry.users.filter(isAlive);
        entry.users = [...users, process.pid];
        logger.info({ service: name, port: entry.port }, users.length ? `joining the running embedded ${name}` : `adopting the embedded ${name} left running by a VisAPI process that is gone`);
      } else {
        if (entry && isServer(name, entry.pid)) {
          logger.warn({ service: name, pid: entry.pid }, `the embedded ${name} left running does not answer: replacing it`);
          await stopService(name, entry, 5_000);
        }
        const started = Date.now();
        const handle = name === 'postgres' ? await startEmbeddedPostgres(config.dataDir) : await startEmbeddedRedis(config.dataDir);
        runtime[name] = { ...handle, users: [process.pid] };
        logger.info({ service: name, port: handle.port, ms: Date.now() - started }, `started embedded ${name}`);
      }
    }
    const watchdog = ensureWatchdog(config.dataDir, runtime.watchdog);
    if (watchdog) runtime.watchdog = watchdog;
    else delete runtime.watchdog;
    writeRuntime(config.dataDir, runtime);
    return runtime;
  });

  let released = false;
  return {
    databaseUrl: config.DATABASE_URL ?? entries.postgres!.url,
    redisUrl: externalRedis ?? entries.redis!.url,
    embedded: { postgres: !config.DATABASE_URL, redis: externalRedis === undefined },
    release: async () => {
      if (released) return;
      released = true;
      await withLock(config.dataDir, async () => {
        const runtime = readRuntime(config.dataDir);
        for (const name of needed) {
          const entry = runtime[name];
          if (!entry) continue;
          entry.users = entry.users.filter((pid) => pid !== process.pid && isAlive(pid));
          if (entry.users.length === 0) {
            await stopService(name, entry);
            delete runtime[name];
            logger.info({ service: name }, `stopped embedded ${name}`);
          }
        }
        if (!SERVICE_NAMES.some((name) => runtime[name])) delete runtime.watchdog; // it exits by itself
        writeRuntime(config.dataDir, runtime);
      });
    },
  };
}
