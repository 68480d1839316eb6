// What each index on `logs` and `runs` costs PostgreSQL per row written: the same rows are
// written into a scratch copy of each table (`LIKE … INCLUDING ALL`, in schema bench_index_cost)
// with every index, then without each one in turn, then with the primary key only, and the
// PostgreSQL backend's CPU (from /proc: it must be local) is divided by the rows. Rows travel as
// the product writes them: logs in batches of 50 through unnest() (log-writer.ts), runs inserted
// `running` and updated to `succeeded` 50 at a time (runs.repository.ts's grouped statements).
// A GIN index's pending list is flushed inside the measurement (gin_clean_pending_list), so its
// deferred cost is counted. `--rows=N` per table and configuration (20,000 by default).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { cli, cpuInfo, option, serviceModes, table, writeResult } from './lib.mjs';
import { cpuSeconds } from './proc.mjs';

const BATCH = 50;
const SCHEMA = 'bench_index_cost';
const MESSAGES = ['trigger received', 'run started', 'step notify succeeded', 'run succeeded'];
const WORKFLOWS = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);

const LOG_INSERT = `
  INSERT INTO ${SCHEMA}.logs (level, message, workflow_id, run_id, job_id, actor_id, payload, pii_redacted, created_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::jsonb[], $8::boolean[], $9::timestamptz[])`;
const RUN_INSERT = `
  INSERT INTO ${SCHEMA}.runs (id, workflow_id, workflow_version_id, workflow_version, status, trigger_type, trigger_key, request_id, queue, job_id,
                              input_encrypted, input_redacted, attempts, created_at, started_at, updated_at)
  SELECT id, workflow_id, workflow_id, '1.0.0', 'running', 'webhook', 'hook', 'req', 'runs', id::text, '\\x00'::bytea, '{"a":1}'::jsonb, 1, now(), now(), now()
  FROM unnest($1::uuid[], $2::uuid[]) AS i(id, workflow_id)`;
const RUN_SUCCEEDED = `UPDATE ${SCHEMA}.runs SET status = 'succeeded', error = NULL, finished_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`;

let runId = randomUUID();

/** Batch n of the log rows: four per run (the messages above), a few warnings and errors. */
function logBatch(n) {
  const rows = Array.from({ length: BATCH }, (_, i) => {
    const k = n * BATCH + i;
    if (k % 4 === 0) runId = randomUUID();
    const level = k % 50 === 0 ? 'warn' : k % 97 === 0 ? 'error' : 'info';
    return [level, MESSAGES[k % 4], WORKFLOWS[k % 10], runId, runId, null, JSON.stringify({ stepId: 'notify', type: 'http.request', attempt: 1, durationMs: k % 40 }), true, new Date()];
  });
  return rows[0].map((_, column) => rows.map((row) => row[column]));
}

async function indexesOf(client, name) {
  const { rows } = await client.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisprimary AS primary, am.amname AS method
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = $1::regclass ORDER BY c.relname`, [`${SCHEMA}.${name}`]);
  return rows;
}

/** CPU ms of the backend per row written into `name` with only `keep` of its indexes. */
async function measure(client, backendPid, name, all, keep, rows) {
  await client.query(`TRUNCATE ${SCHEMA}.${name}`);
  for (const index of all) if (!index.primary) await client.query(`DROP INDEX IF EXISTS ${SCHEMA}.${index.name}`);
  for (const index of all) if (!index.primary && keep.includes(index.name)) await client.query(index.def);
  await client.query('CHECKPOINT').catch(() => undefined); // not our WAL flushes of the set-up
  const before = cpuSeconds(backendPid);
  for (let n = 0; n < rows / BATCH; n++) {
    if (name === 'logs') await client.query({ name: 'bench_logs', text: LOG_INSERT, values: logBatch(n) });
    else {
      const ids = Array.from({ length: BATCH }, () => randomUUID());
      await client.query({ name: 'bench_runs', text: RUN_INSERT, values: [ids, ids.map((_, i) => WORKFLOWS[i % 10])] });
      await client.query({ name: 'bench_runs_succeeded', text: RUN_SUCCEEDED, values: [ids] });
    }
  }
  for (const index of all) if (index.method === 'gin' && keep.includes(index.name)) await client.query(`SELECT gin_clean_pending_list('${SCHEMA}.${index.name}'::regclass)`);
  return ((cpuSeconds(backendPid) - before) * 1e6) / rows;
}

async function costs(client, backendPid, name, rows) {
  await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.${name} (LIKE public.${name} INCLUDING ALL)`);
  const all = await indexesOf(client, name);
  const names = all.filter((i) => !i.primary).map((i) => i.name);
  const configs = [['every index', names], ...names.map((n) => [`without ${n}`, names.filter((m) => m !== n)]), ['primary key only', []]];
  const results = new Map(configs.map(([label]) => [label, []]));
  // Twice, the second time in reverse order: a drift of the machine's load does not favour one end.
  for (const round of [configs, [...configs].reverse()]) {
    for (const [label, keep] of round) results.get(label).push(await measure(client, backendPid, name, all, keep, rows));
  }
  const mean = (label) => results.get(label).reduce((a, b) => a + b, 0) / results.get(label).length;
  const full = mean('every index');
  return configs.map(([label]) => ({
    table: name,
    configuration: label,
    usPerRow: +mean(label).toFixed(1),
    runs: results.get(label).map((v) => v.toFixed(1)).join(' / '),
    indexCostUs: label.startsWith('without ') ? +(full - mean(label)).toFixed(1) : label === 'primary key only' ? +(full - mean(label)).toFixed(1) : '',
  }));
}

export async function main(argv) {
  const rows = Number(option(argv, 'rows', 20_000));
  const [{ env }] = await serviceModes(['--services=external']);
  cli(['migrate'], env);
  const client = new pg.Client(env.DATABASE_URL);
  await client.connect();
  try {
    const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    if (!fs.existsSync(`/proc/${backendPid}/stat`)) throw new Error('index-cost: the PostgreSQL backend must run on this machine (its CPU is read from /proc)');
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    const out = [...(await costs(client, backendPid, 'logs', rows)), ...(await costs(client, backendPid, 'runs', rows))];
    console.log(`\nPostgreSQL CPU per row written (${cpuInfo()}; ${rows} rows per table and configuration, ${BATCH} per statement; logs: insert; runs: insert + update to succeeded; mean of 2 rounds)\n`);
    console.log(table(out, ['table', 'configuration', 'usPerRow', 'runs', 'indexCostUs']));
    const file = writeResult('index-cost', { machine: cpuInfo(), loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').trim(), rows, results: out });
    console.log(`written to ${file}`);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    await client.end();
  }
}
