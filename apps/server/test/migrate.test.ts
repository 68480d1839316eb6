import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate } from '../src/platform/db/migrate';
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
  'api_keys', 'dlq_replay_runs', 'dlq_replays', 'logs', 'magic_link_tokens', 'outbox', 'run_steps', 'runs', 'sessions',
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
});
