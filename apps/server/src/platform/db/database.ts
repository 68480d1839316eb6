import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import type { DB } from './schema';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  pool: Pool;
  /** `select 1` with a deadline: used by health checks, never hangs. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createDatabase(url: string, poolSize: number): DatabaseHandle {
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'visapi',
  });
  // A client losing its connection (database restart, network cut) must not crash the
  // process: pg emits 'error' on idle clients through the pool, and on checked-out ones
  // directly, after failing their queries, which is where callers see it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    ping: (timeoutMs) => withTimeout(sql`select 1`.execute(db).then(() => undefined), timeoutMs, 'database'),
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
