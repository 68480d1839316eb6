import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedRedis } from './embedded-redis';
import { isAlive, portAnswers, stopProcess } from './process-utils';

/** Where PostgreSQL and Redis are, and how to let go of them at shutdown. */
export interface Infrastructure {
  databaseUrl: string;
  redisUrl: string;
  /** Which of the two are embedded servers under VISAPI_DATA_DIR. */
  embedded: { postgres: boolean; redis: boolean };
  release(): Promise<void>;
}

type ServiceName = 'postgres' | 'redis';
interface ServiceEntry {
  url: string;
  port: number;
  pid: number;
  /** The VisAPI processes using it; the last one to leave stops it. */
  users: number[];
}
type Runtime = Partial<Record<ServiceName, ServiceEntry>>;

const STOP_SIGNAL: Record<ServiceName, NodeJS.Signals> = {
  postgres: 'SIGINT', // "fast" shutdown: clean, without waiting for clients
  redis: 'SIGTERM', // flushes the append-only file
};

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
  const runtimeFile = path.join(config.dataDir, 'runtime.json');
  const entries = await withLock(config.dataDir, async () => {
    const runtime = readRuntime(runtimeFile);
    for (const name of needed) {
      const entry = runtime[name];
      if (entry && isAlive(entry.pid) && (await portAnswers(entry.port))) {
        entry.users = [...entry.users.filter(isAlive), process.pid];
        logger.info({ service: name, port: entry.port }, `joining the running embedded ${name}`);
      } else {
        const started = Date.now();
        const handle = name === 'postgres' ? await startEmbeddedPostgres(config.dataDir) : await startEmbeddedRedis(config.dataDir);
        runtime[name] = { ...handle, users: [process.pid] };
        logger.info({ service: name, port: handle.port, ms: Date.now() - started }, `started embedded ${name}`);
      }
    }
    writeRuntime(runtimeFile, runtime);
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
        const runtime = readRuntime(runtimeFile);
        for (const name of needed) {
          const entry = runtime[name];
          if (!entry) continue;
          entry.users = entry.users.filter((pid) => pid !== process.pid && isAlive(pid));
          if (entry.users.length === 0) {
            await stopProcess(entry.pid, STOP_SIGNAL[name]);
            delete runtime[name];
            logger.info({ service: name }, `stopped embedded ${name}`);
          }
        }
        writeRuntime(runtimeFile, runtime);
      });
    },
  };
}

function readRuntime(file: string): Runtime {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Runtime;
  } catch {
    return {};
  }
}

function writeRuntime(file: string, runtime: Runtime) {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(runtime, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** A cross-process lock: a directory holding the owner's pid; a dead owner's lock is taken over. */
async function withLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lockDir = path.join(dataDir, 'embedded.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(safeRead(path.join(lockDir, 'pid')));
      if (owner && !isAlive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (held by pid ${owner})`, { cause: error });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
