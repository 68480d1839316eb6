import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations');

/** How often a process waiting for another's migrations asks for the lock again. */
const LOCK_POLL_MS = 250;

/**
 * Applies every pending migration. Idempotent, and safe to run from several processes at
 * once: one migrates while it holds an advisory lock, the others wait for it (withMigrationLock).
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<string[]> {
  // Loaded here: with MIGRATE_ON_START=false a gateway never carries node-pg-migrate (≈ 5 MB of heap).
  const { PG_MIGRATE_LOCK_ID, runner } = await import('node-pg-migrate');
  const applied = await withMigrationLock(databaseUrl, PG_MIGRATE_LOCK_ID, () =>
    runner({
      databaseUrl,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      count: Infinity,
      checkOrder: true,
      noLock: true,
      log: (message) => logger.debug({ context: 'migrate' }, message),
    }),
  );
  const names = applied.map((m) => m.name);
  logger.info({ context: 'migrate', applied: names }, names.length ? `applied ${names.length} migration(s)` : 'schema up to date');
  return names;
}

/**
 * Runs `work` while holding node-pg-migrate's advisory lock, taken on a connection of its own.
 * Not node-pg-migrate's wait mode: a session blocked in pg_advisory_lock() holds a snapshot, and
 * a CREATE INDEX CONCURRENTLY run by the lock's holder waits for every older snapshot — each
 * waits for the other, and PostgreSQL fails one of them ("deadlock detected"). A waiter here asks
 * without blocking (pg_try_advisory_lock), so it holds nothing between its questions.
 */
async function withMigrationLock<T>(databaseUrl: string, lockId: number, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tryLock = async () => (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockId])).rows[0]!.locked;
    while (!(await tryLock())) await delay(LOCK_POLL_MS);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lockId]);
    }
  } finally {
    await client.end();
  }
}
