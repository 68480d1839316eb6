// GET /api/v1/logs at depth: fills the logs table to 1,050,000 rows (once), then times
// page 1 and a page 1,000,000 rows deep (keyset cursor), with and without filters, through
// the real HTTP API. Reports the median and p95 of 30 requests each.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { cli, cpuInfo, freePort, ROOT, startInstance, stopInstance, writeResult } from './lib.mjs';

const ROWS = 1_050_000;
const WORKFLOWS = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);

function databaseUrl(env) {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  return JSON.parse(fs.readFileSync(path.resolve(ROOT, env.VISAPI_DATA_DIR, 'runtime.json'), 'utf8')).postgres.url;
}

async function fill(client) {
  const { rows } = await client.query('SELECT count(*)::int AS n FROM logs');
  if (rows[0].n >= ROWS) return rows[0].n;
  const started = Date.now();
  await client.query(`
    INSERT INTO logs (workflow_id, run_id, level, message, payload, pii_redacted, created_at)
    SELECT ($1::uuid[])[1 + n % 10], gen_random_uuid(),
           (ARRAY['debug','info','warn','error'])[1 + n % 4],
           'step ' || (n % 7) || ' of run ' || n || CASE WHEN n % 1000 = 0 THEN ' needle' ELSE '' END,
           jsonb_build_object('n', n, 'status', 'succeeded', 'durationMs', n % 900),
           true,
           now() - make_interval(secs => n * 0.25)
    FROM generate_series($2::int, $3::int) AS n`, [WORKFLOWS, rows[0].n + 1, ROWS]);
  await client.query('ANALYZE logs');
  console.log(`filled logs to ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ROWS;
}

async function cursorAt(client, offset, where = '', params = []) {
  const { rows } = await client.query(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, id::text FROM logs ${where}
     ORDER BY created_at DESC, id DESC OFFSET ${offset} LIMIT 1`, params);
  return Buffer.from(JSON.stringify([rows[0].at, rows[0].id])).toString('base64url');
}

async function time(url, key, n = 30) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers: { 'x-api-key': key } });
    const body = await res.json();
    ms.push(performance.now() - started);
    if (res.status !== 200 || body.items.length === 0) throw new Error(`${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: +ms[Math.floor(n / 2)].toFixed(2), p95Ms: +ms[Math.floor(n * 0.95)].toFixed(2) };
}

export async function main() {
  const port = await freePort();
  const env = { PORT: String(port), LOG_LEVEL: 'warn', VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench', API_KEY_RATE_LIMIT_BURST: '100000' };
  const instance = await startInstance(['--role', 'gateway'], env);
  const client = new pg.Client({ connectionString: databaseUrl(env) });
  await client.connect();
  try {
    const total = await fill(client);
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench', '--scopes', 'read_logs', '--json'], env));
    const base = `${instance.url}/api/v1/logs?limit=50`;
    const cases = {
      'page 1': base,
      'page after 1,000,000 rows': `${base}&cursor=${await cursorAt(client, 1_000_000)}`,
      'page 1, workflowId filter': `${base}&workflowId=${WORKFLOWS[3]}`,
      'workflowId filter, 100,000 rows deep': `${base}&workflowId=${WORKFLOWS[3]}&cursor=${await cursorAt(client, 100_000, 'WHERE workflow_id = $1', [WORKFLOWS[3]])}`,
      'page 1, level=error': `${base}&level=error`,
      'page 1, q=needle (1 row in 1,000)': `${base}&q=needle`,
    };
    const results = {};
    for (const [name, url] of Object.entries(cases)) results[name] = await time(url, key);
    const file = writeResult('logs-depth', { machine: cpuInfo(), rows: total, results });
    console.log(`\nGET /api/v1/logs?limit=50 on ${total.toLocaleString('en')} rows (${cpuInfo()}), 30 sequential requests each\n`);
    for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(40)} median ${String(r.medianMs).padStart(7)} ms   p95 ${String(r.p95Ms).padStart(7)} ms`);
    console.log(`written to ${file}`);
  } finally {
    await client.end();
    await stopInstance(instance);
  }
}
