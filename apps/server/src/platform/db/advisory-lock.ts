import { sql } from 'kysely';
import type { Database } from './database';

/**
 * Runs `fn` while holding a PostgreSQL advisory lock named `name` (session-level, on a
 * connection of its own), or returns undefined at once when another process holds it: for
 * work one process of several starting together must do.
 */
export async function withAdvisoryLock<T>(db: Database, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${name})) AS locked`.execute(connection);
    if (!rows[0]?.locked) return undefined;
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(connection);
    }
  });
}
