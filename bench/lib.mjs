// Shared by the benchmarks: start a VisAPI instance, run autocannon, read /proc.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'apps/server/dist/main.js');
const CLI = path.join(ROOT, 'apps/server/bin/visapi.mjs');
/** Node's flags for a gateway, as its image starts it (Dockerfile, compose.yaml): a smaller young generation. */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=4'];

/** A bench's `--name=value` argument (all after the first `=`), or `fallback`. */
export function option(argv, name, fallback) {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

/** The workflow the ingestion benches call: a webhook with every check on (an input schema too), one no-op step. */
export function benchWebhookWorkflow(hook) {
  return {
    name: hook,
    version: '1.0.0',
    inputSchema: { type: 'object', required: ['applicationId', 'status'], properties: { applicationId: { type: 'string' }, status: { type: 'string' } } },
    triggers: [{ type: 'webhook', key: hook }],
    steps: [{ id: 'noop', type: 'delay', config: { ms: 0 } }],
  };
}

// Idempotency keys unique in this process, whichever load sends them: two loads started in the
// same millisecond must not replay each other's requests.
const RUN_TAG = Date.now().toString(36);
let webhookRequestCount = 0;

/**
 * autocannon options that POST to a webhook of `benchWebhookWorkflow`: each request with its
 * own Idempotency-Key and a body its input schema accepts. `extra`: duration, rate, connections…
 */
export function webhookRequests(url, key, extra = {}) {
  return {
    url,
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const n = ++webhookRequestCount;
          return {
            ...req,
            headers: { ...req.headers, 'idempotency-key': `bench-${RUN_TAG}-${n}` },
            body: JSON.stringify({ applicationId: `A-${n}`, status: 'approved', sentAt: Date.now() }),
          };
        },
      },
    ],
    ...extra,
  };
}

export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `main.js` with env; resolves when /healthz answers 200. */
/** `gatewayFlags`: Node's flags for a gateway instead of GATEWAY_NODE_FLAGS (ab-gateways compares them). */
export async function startInstance(args, env, healthPortVar = 'PORT', script = MAIN, { gatewayFlags = GATEWAY_NODE_FLAGS } = {}) {
  // A variable set to undefined in env is removed (the embedded mode drops DATABASE_URL/REDIS_URL).
  const merged = Object.fromEntries(Object.entries({ ...process.env, LOG_FORMAT: 'json', ...env }).filter(([, v]) => v !== undefined));
  const name = args.includes('--role') ? args[args.indexOf('--role') + 1] : path.basename(script, '.mjs');
  const nodeFlags = name === 'gateway' ? gatewayFlags : [];
  const child = spawn(process.execPath, [...nodeFlags, ...profileFlags(name), script, ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const url = `http://127.0.0.1:${healthPortVar === 'worker' ? env.WORKER_METRICS_PORT : env.PORT}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return { child, url, output: () => output };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`instance did not become healthy:\n${output}`);
}

/**
 * BENCH_CPU_PROF=<dir>: every process the bench starts writes a V8 CPU profile there when it
 * exits (open it in Chrome DevTools, or summarise it with `node bench/profile-summary.mjs`).
 */
function profileFlags(name) {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return [];
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

export async function stopInstance(instance) {
  instance.child.kill('SIGTERM');
  await new Promise((r) => instance.child.once('exit', r));
}

export function cli(args, env) {
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));
  const result = spawnSync(process.execPath, [CLI, ...args], { env: merged, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`visapi ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** One autocannon run; the figures we report. */
export async function load(name, options) {
  const result = await autocannon({ connections: 50, duration: 10, ...options });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

/**
 * An open-loop load at an exact rate: request i leaves at start + i/rate whatever the answers
 * do (keep-alive sockets, as many as needed). autocannon's rate limit sends each second's
 * quota in a burst at the start of the second, which measures the burst's queueing, not the
 * latency at a steady rate. `request(i)` gives {headers, body} for request i.
 */
export async function pacedLoad(name, { url, method = 'POST', rate, duration, request }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const count = Math.round(rate * duration);
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const inFlight = [];
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { headers, body } = request(i);
    const sentAt = performance.now();
    inFlight.push(
      new Promise((resolve) => {
        const req = http.request(target, { method, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - sentAt);
            if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0);
  return { name, requestsPerSecond: Math.round(count / duration), p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), non2xx, errors, total: count };
}

export function cpuInfo() {
  const model = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  return `${model}, ${fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} cores, Node ${process.version}`;
}

export function writeResult(name, data) {
  const dir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export function table(rows, cols = ['name', 'requestsPerSecond', 'p50Ms', 'p90Ms', 'p99Ms', 'non2xx', 'errors']) {
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}

/**
 * The services an instance env points at: DATABASE_URL/REDIS_URL when set, else the embedded
 * ones the first instance started (its runtime.json, read while it runs).
 */
export function serviceUrls(env) {
  const runtimeFile = path.resolve(ROOT, env.VISAPI_DATA_DIR, 'runtime.json');
  const runtime = env.DATABASE_URL && env.REDIS_URL ? {} : JSON.parse(fs.readFileSync(runtimeFile, 'utf8'));
  return { databaseUrl: env.DATABASE_URL ?? runtime.postgres.url, redisUrl: env.REDIS_URL ?? runtime.redis.url };
}

/** The pids of the redis-server (INFO) and the PostgreSQL postmaster (a backend's parent): both must be local. */
export async function servicePids(env) {
  const { databaseUrl, redisUrl } = serviceUrls(env);
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  const pg = (await import('pg')).default;
  const client = new pg.Client(databaseUrl);
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
    await client.connect();
    const backend = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const stat = fs.readFileSync(`/proc/${backend}/stat`, 'utf8');
    return { redis: redisPid, postgres: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) };
  } finally {
    redis.disconnect();
    await client.end().catch(() => undefined);
  }
}

/**
 * Which services a bench runs against (`--services=embedded,external`; by default `fallback`, both):
 * `embedded` — the product's defaults (PostgreSQL 18 and a private redis-server under
 * VISAPI_DATA_DIR); `external` — DATABASE_URL/REDIS_URL when set, else the machine's
 * PostgreSQL (127.0.0.1:5432, database visapi_bench, created if missing) and Redis (127.0.0.1:6379).
 */
export async function serviceModes(argv, fallback = 'embedded,external') {
  const wanted = option(argv, 'services', fallback).split(',');
  const modes = [];
  for (const mode of wanted) {
    if (mode === 'embedded') modes.push({ mode, env: { DATABASE_URL: undefined, REDIS_URL: undefined } });
    else if (mode === 'external') modes.push({ mode, env: await externalServices() });
    else throw new Error(`--services: unknown "${mode}" (embedded, external)`);
  }
  return modes;
}

async function externalServices() {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (process.env.DATABASE_URL) return { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: redisUrl };
  const pg = (await import('pg')).default;
  const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres');
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'visapi_bench'`);
    if (!exists.rowCount) await admin.query('CREATE DATABASE visapi_bench');
  } finally {
    await admin.end();
  }
  return { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/visapi_bench', REDIS_URL: redisUrl };
}

/** Deletes every Redis key under `prefix` (a bench phase's queues, its event stream). */
export async function deleteKeys(redisUrl, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}
