import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations');

/**
 * Applies every pending migration. Idempotent, and safe to run from several processes at
 * once: node-pg-migrate holds an advisory lock while it works.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: (message) => logger.debug({ context: 'migrate' }, message),
  });
  const names = applied.map((m) => m.name);
  logger.info({ context: 'migrate', applied: names }, names.length ? `applied ${names.length} migration(s)` : 'schema up to date');
  return names;
}
