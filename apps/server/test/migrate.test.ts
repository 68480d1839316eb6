import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../src/platform/db/migrate';
import { adminQuery, databaseUrlFor } from './support/databases';

const admin = () => inject('adminDatabaseUrl');
const created: string[] = [];
const logger = pino({ level: 'silent' });

async function emptyDatabase(): Promise<string> {
  const name = `visapi_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(admin(), `CREATE DATABASE ${name}`);
  created.push(name);
  return databaseUrlFor(admin(), name);
}

afterAll(async () => {
  for (const name of created) await adminQuery(admin(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

const TABLES = [
  'api_keys', 'dlq_replay_runs', 'dlq_replays', 'logs', 'magic_link_tokens', 'outbox', 'refunds', 'run_step_items', 'run_steps', 'runs', 'sessions',
  'templates', 'users', 'workflow_versions', 'workflow_webhooks', 'workflows',
];

describe('migrate', () => {
  it('creates the whole schema on an empty database, and does nothing the second time', async () => {
    const url = await emptyDatabase();
    const first = await migrate(url, logger);
    expect(first.length).toBeGreaterThan(0);
    expect(await migrate(url, logger)).toEqual([]);
    const rows = await adminQuery(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'pgmigrations' ORDER BY 1`);
    expect(rows.map((r) => r.tablename)).toEqual(TABLES);
  });

  it('is safe when several processes migrate at once', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([migrate(url, logger), migrate(url, logger), migrate(url, logger)]);
    expect(results.flat().length).toBe((await adminQuery(url, 'SELECT count(*)::int AS n FROM pgmigrations'))[0]!.n);
  });

  it('has an index for newest-first paging of logs and runs, and for the run filters and stats', async () => {
    const url = await emptyDatabase();
    await migrate(url, logger);
    const indexes = (await adminQuery(url, `SELECT indexname FROM pg_indexes WHERE tablename IN ('logs', 'runs')`)).map((r) => r.indexname);
    expect(indexes).toEqual(expect.arrayContaining(['logs_created_at_idx', 'logs_run_idx', 'runs_created_at_idx', 'runs_status_idx', 'runs_trigger_type_idx', 'runs_failures_idx']));
  });

  it('builds the indexes on runs without blocking its writers (CREATE INDEX CONCURRENTLY), even with other processes migrating', async () => {
    const url = await emptyDatabase();
    // The schema as it was before the runs indexes of issue 11.
    const before = readdirSync(MIGRATIONS_DIR).sort().findIndex((name) => name.startsWith('1764460800000_'));
    await runner({ databaseUrl: url, dir: MIGRATIONS_DIR, direction: 'up', migrationsTable: 'pgmigrations', count: before, log: () => undefined });
    const connect = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    };
    // A worker's transaction writing runs is open while the migration starts: both kinds of build wait for it.
    const worker = await connect();
    await worker.query('BEGIN');
    await worker.query('LOCK TABLE runs IN ROW EXCLUSIVE MODE');
    const migrating = Promise.all([migrate(url, logger), migrate(url, logger)]);
    const observer = await connect();
    const other = await connect();
    try {
      const building = `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                        AND query ILIKE '%CREATE INDEX%runs_trigger_type_idx%' AND wait_event_type = 'Lock'`;
      while ((await observer.query(building)).rowCount === 0) await new Promise((resolve) => setImmediate(resolve));
      // Meanwhile another worker writes runs: a plain CREATE INDEX would queue it behind the build.
      await other.query(`SET lock_timeout = '3s'`);
      await other.query('BEGIN');
      await expect(other.query('LOCK TABLE runs IN ROW EXCLUSIVE MODE')).resolves.toBeDefined();
    } finally {
      await other.query('ROLLBACK');
      await worker.query('COMMIT');
      await other.end();
      await worker.end();
    }
    const applied = (await migrating).flat();
    expect(applied.filter((name) => name.startsWith('1764460800000_'))).toHaveLength(1);
    const indexes = await observer.query(`SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname IN ('runs_trigger_type_idx', 'runs_failures_idx') ORDER BY 1`);
    expect(indexes.rows).toEqual([{ relname: 'runs_failures_idx', indisvalid: true }, { relname: 'runs_trigger_type_idx', indisvalid: true }]);
    await observer.end();
  });
});
