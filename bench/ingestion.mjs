// SPEC §13: webhook ingestion with every check on (API key, rate limit, idempotency, input
// schema, enqueue) against the floor — a bare route that only adds a job — in the same run,
// at maximum rate and at fixed rates; then webhook → delivered latency and sustained
// executions per second through a one-step workflow posting to a local server, with the CPU
// each process spent per execution (read from /proc). Latency runs from the gateway's
// acceptance (the run's triggeredAt) to the local server receiving the step's request.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cli, cpuInfo, freePort, load, pacedLoad, ROOT, startInstance, stopInstance, table, writeResult } from './lib.mjs';
import { rss, snapshot } from './proc.mjs';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function api(url, key, method, body) {
  const res = await fetch(url, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

function webhookOptions(url, key, extra = {}) {
  let n = 0;
  const tag = Date.now().toString(36);
  return {
    url,
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, 'idempotency-key': `bench-${tag}-${++n}` },
          body: JSON.stringify({ applicationId: `A-${n}`, status: 'approved', sentAt: Date.now() }),
        }),
      },
    ],
    ...extra,
  };
}

function pacedWebhook(url, key, rate, duration) {
  const tag = Date.now().toString(36);
  return {
    url,
    rate,
    duration,
    request: (i) => ({
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'idempotency-key': `paced-${tag}-${i}` },
      body: JSON.stringify({ applicationId: `A-${i}`, status: 'approved', sentAt: Date.now() }),
    }),
  };
}

async function ingestion(env, duration) {
  const gateway = await startInstance(['--role', 'gateway'], env);
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench', '--scopes', 'trigger,manage_workflows', '--json'], env));
    const hook = `bench-ingest-${Date.now().toString(36)}`;
    await api(`${gateway.url}/api/v1/workflows`, key, 'POST', {
      name: hook,
      version: '1.0.0',
      inputSchema: { type: 'object', required: ['applicationId', 'status'], properties: { applicationId: { type: 'string' }, status: { type: 'string' } } },
      triggers: [{ type: 'webhook', key: hook }],
      steps: [{ id: 'noop', type: 'delay', config: { ms: 0 } }],
    });
    const webhookUrl = `${gateway.url}/api/v1/triggers/${hook}`;
    const bareUrl = `${gateway.url}/bench/enqueue`;
    await load('warm-up', webhookOptions(webhookUrl, key, { duration: 3 }));
    await load('warm-up', { url: bareUrl, method: 'POST', duration: 3 });
    const rows = [];
    rows.push(await load('webhook, max rate', webhookOptions(webhookUrl, key, { duration })));
    rows.push(await load('bare queue add, max rate', { url: bareUrl, method: 'POST', duration }));
    for (const rate of [100, 1000]) {
      rows.push(await load(`webhook, ${rate} req/s`, webhookOptions(webhookUrl, key, { duration, overallRate: rate, connections: 20 })));
      rows.push(await load(`bare queue add, ${rate} req/s`, { url: bareUrl, method: 'POST', duration, overallRate: rate, connections: 20 }));
    }
    const gatewayRss = rss(gateway.child.pid);
    return { rows, ratio: +(rows[0].requestsPerSecond / rows[1].requestsPerSecond).toFixed(3), gatewayRssMb: Math.round(gatewayRss / 2 ** 20) };
  } finally {
    await dropPrefix(env, env.REDIS_PREFIX).catch((error) => console.error(`could not clean up ${env.REDIS_PREFIX}: ${error.message}`));
    await stopInstance(gateway);
  }
}

async function endToEnd(env, duration) {
  const arrivals = new Map();
  const target = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { run, acceptedAt } = JSON.parse(body);
      if (!arrivals.has(run)) arrivals.set(run, { at: Date.now(), sentAt: Date.parse(acceptedAt) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const targetUrl = `http://127.0.0.1:${target.address().port}/delivered`;
  const gateway = await startInstance(['--role', 'gateway'], env);
  const worker = await startInstance(['--role', 'worker'], { ...env, PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()) }, 'worker');
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench-e2e', '--scopes', 'trigger,manage_workflows', '--json'], env));
    const hook = `bench-e2e-${Date.now().toString(36)}`;
    await api(`${gateway.url}/api/v1/workflows`, key, 'POST', {
      name: hook,
      version: '1.0.0',
      triggers: [{ type: 'webhook', key: hook }],
      steps: [{ id: 'deliver', type: 'http.request', config: { method: 'POST', url: targetUrl, body: { run: '{{ run.id }}', acceptedAt: '{{ run.triggeredAt }}' } } }],
    });
    const webhookUrl = `${gateway.url}/api/v1/triggers/${hook}`;
    const runtime = JSON.parse(fs.readFileSync(path.join(ROOT, env.VISAPI_DATA_DIR, 'runtime.json'), 'utf8'));
    const groups = { gateway: [gateway.child.pid], worker: [worker.child.pid], redis: [runtime.redis.pid], postgres: [runtime.postgres.pid] };
    await settle(env);
    const waitForDeliveries = async (count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (arrivals.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };

    // Latency at a fixed 100 req/s.
    // Latency at a steady 100 req/s (paced, not bursts); every warm-up run delivered first.
    const warmUp = await pacedLoad('warm-up', pacedWebhook(webhookUrl, key, 100, 3));
    await waitForDeliveries(warmUp.total, 60_000);
    arrivals.clear();
    const latencyLoad = await pacedLoad('webhook → delivered, 100 req/s', pacedWebhook(webhookUrl, key, 100, duration));
    await waitForDeliveries(latencyLoad.total, 60_000);
    const latencies = [...arrivals.values()].map((a) => a.at - a.sentAt).sort((a, b) => a - b);
    const latency = { delivered: latencies.length, sent: latencyLoad.total, p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95), p99Ms: percentile(latencies, 0.99) };

    // Sustained executions per second, and CPU per execution, at maximum rate.
    arrivals.clear();
    const before = snapshot(groups);
    const started = Date.now();
    const burst = await load('webhook → delivered, max rate', webhookOptions(webhookUrl, key, { duration, connections: 50 }));
    await waitForDeliveries(burst.total, 300_000);
    const elapsed = (Math.max(...[...arrivals.values()].map((a) => a.at)) - started) / 1000;
    const after = snapshot(groups);
    const executions = arrivals.size;
    const cpuMsPerExecution = Object.fromEntries(Object.keys(groups).map((g) => [g, +(((after[g] - before[g]) * 1000) / executions).toFixed(3)]));
    const totalCpuMs = +Object.values(cpuMsPerExecution).reduce((a, b) => a + b, 0).toFixed(3);
    return {
      latency,
      sustained: { executions, accepted: burst.total, seconds: +elapsed.toFixed(2), executionsPerSecond: Math.round(executions / elapsed), ingestionRequestsPerSecond: burst.requestsPerSecond },
      cpuMsPerExecution: { ...cpuMsPerExecution, total: totalCpuMs },
      rssMb: { gateway: Math.round(rss(gateway.child.pid) / 2 ** 20), worker: Math.round(rss(worker.child.pid) / 2 ** 20) },
    };
  } finally {
    await dropPrefix(env, env.REDIS_PREFIX).catch((error) => console.error(`could not clean up ${env.REDIS_PREFIX}: ${error.message}`));
    await Promise.all([stopInstance(gateway), stopInstance(worker)]);
    target.close();
  }
}

/**
 * Lets the services finish what an earlier phase left them (Redis compacting its append-only
 * file after 100,000 job writes, PostgreSQL's dirty pages), so it is not measured as this
 * phase's latency.
 */
async function settle(env) {
  const { Redis } = await import('ioredis');
  const pg = (await import('pg')).default;
  const runtime = JSON.parse(fs.readFileSync(path.join(ROOT, env.VISAPI_DATA_DIR, 'runtime.json'), 'utf8'));
  const redis = new Redis(process.env.REDIS_URL ?? runtime.redis.url);
  await redis.bgrewriteaof().catch(() => undefined);
  for (let i = 0; i < 600; i++) {
    const info = await redis.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /rdb_bgsave_in_progress:0/.test(info)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  redis.disconnect();
  const client = new pg.Client(process.env.DATABASE_URL ?? runtime.postgres.url);
  await client.connect();
  await client.query('CHECKPOINT').catch(() => undefined);
  await client.end();
}

/** Deletes a bench phase's Redis keys (its queues hold what was never run). */
async function dropPrefix(env, prefix) {
  const { Redis } = await import('ioredis');
  const runtime = JSON.parse(fs.readFileSync(path.join(ROOT, env.VISAPI_DATA_DIR, 'runtime.json'), 'utf8'));
  const redis = new Redis(process.env.REDIS_URL ?? runtime.redis.url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

export async function main(argv) {
  const duration = Number(argv.find((a) => a.startsWith('--duration='))?.split('=')[1] ?? 10);
  const env = {
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench',
    VISAPI_BENCH_ROUTES: 'true',
    API_KEY_RATE_LIMIT_BURST: '1000000',
    API_KEY_RATE_LIMIT_PER_SECOND: '1000000',
    HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1',
    WORKER_CONCURRENCY_DEFAULT: '50',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  };
  // Each phase gets its own Redis prefix: the ingestion phase queues jobs no worker runs.
  const tag = Date.now().toString(36);
  const ingestEnv = { ...env, REDIS_PREFIX: `{bench-ingest-${tag}}` };
  const ingest = await ingestion(ingestEnv, duration);
  console.log(`\nWebhook ingestion vs. a bare queue add (${cpuInfo()}, ${duration} s per run; p90/p99 from autocannon)\n`);
  console.log(table(ingest.rows));
  console.log(`\nthroughput ratio webhook / bare: ${ingest.ratio}; gateway RSS after the load: ${ingest.gatewayRssMb} MB`);
  const e2eEnv = { ...env, REDIS_PREFIX: `{bench-e2e-${tag}}` };
  const e2e = await endToEnd(e2eEnv, duration);
  console.log(`\nWebhook → delivered (one http.request step; gateway and worker as separate processes)`);
  console.log(`latency at 100 req/s: p50 ${e2e.latency.p50Ms} ms, p95 ${e2e.latency.p95Ms} ms, p99 ${e2e.latency.p99Ms} ms (${e2e.latency.delivered}/${e2e.latency.sent} delivered)`);
  console.log(`sustained: ${e2e.sustained.executionsPerSecond} executions/s (${e2e.sustained.executions} in ${e2e.sustained.seconds} s; ingestion ran at ${e2e.sustained.ingestionRequestsPerSecond} req/s)`);
  console.log(`CPU per execution (ms): ${Object.entries(e2e.cpuMsPerExecution).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`RSS after the load: gateway ${e2e.rssMb.gateway} MB, worker ${e2e.rssMb.worker} MB`);
  const file = writeResult('ingestion', { machine: cpuInfo(), duration, ingestion: ingest, endToEnd: e2e });
  console.log(`written to ${file}`);
}
