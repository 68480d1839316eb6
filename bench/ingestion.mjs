// SPEC §13: webhook ingestion with every check on (API key, rate limit, idempotency, input
// schema, enqueue) against the floor — a bare route that only adds a job — in the same run,
// at maximum rate and at fixed rates; then webhook → delivered latency and sustained
// executions per second through a one-step workflow posting to a local server, with the CPU
// each process spent per execution (read from /proc). Latency runs from the gateway's
// acceptance (the run's triggeredAt) to the local server receiving the step's request.
import fs from 'node:fs';
import path from 'node:path';
import { benchWebhookWorkflow, cli, cpuInfo, freePort, load, option, pacedLoad, ROOT, serviceModes, servicePids, serviceUrls, startInstance, stopInstance, table, webhookRequests, writeResult } from './lib.mjs';
import { api, dropPrefix, settle, startEndToEnd } from './topology.mjs';
import { PeakRss, rss, snapshot } from './proc.mjs';

const FLOOR = path.join(ROOT, 'bench/floor.mjs');
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const FLOOR_BODY = JSON.stringify({ applicationId: 'A-1', status: 'approved', sentAt: 0 });

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
  const floor = await startInstance([], { PORT: String(await freePort()), REDIS_URL: serviceUrls(env).redisUrl, REDIS_PREFIX: env.REDIS_PREFIX }, 'PORT', FLOOR);
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench', '--scopes', 'trigger,manage_workflows', '--json'], env));
    const hook = `bench-ingest-${Date.now().toString(36)}`;
    await api(`${gateway.url}/api/v1/workflows`, key, 'POST', benchWebhookWorkflow(hook));
    const webhookUrl = `${gateway.url}/api/v1/triggers/${hook}`;
    const inProductUrl = `${gateway.url}/bench/enqueue`;
    const floorOptions = (extra) => ({ url: `${floor.url}/enqueue`, method: 'POST', headers: { 'content-type': 'application/json' }, body: FLOOR_BODY, ...extra });
    const warmUp = Math.min(3, duration);
    await load('warm-up', webhookRequests(webhookUrl, key, { duration: warmUp }));
    await load('warm-up', floorOptions({ duration: warmUp }));
    await load('warm-up', { url: inProductUrl, method: 'POST', duration: warmUp });
    const rows = [];
    // CPU per request of the serving process and of Redis: steadier than req/s on a shared machine.
    const groups = { gateway: [gateway.child.pid], floor: [floor.child.pid], redis: [(await servicePids(env)).redis] };
    const measured = async (name, server, options) => {
      const before = snapshot(groups);
      const row = await load(name, options);
      const after = snapshot(groups);
      const perRequest = (g) => +(((after[g] - before[g]) * 1000) / Math.max(1, row.total)).toFixed(3);
      return { ...row, cpuMs: perRequest(server), redisCpuMs: perRequest('redis') };
    };
    const peak = new PeakRss(gateway.child.pid);
    rows.push(await measured('webhook, max rate', 'gateway', webhookRequests(webhookUrl, key, { duration })));
    const gatewayPeakRssMb = peak.stop();
    rows.push(await measured('floor (bare Fastify + BullMQ add, own process), max rate', 'floor', floorOptions({ duration })));
    rows.push(await measured('old floor: in-product /bench/enqueue, max rate', 'gateway', { url: inProductUrl, method: 'POST', duration }));
    for (const rate of [100, 1000]) {
      rows.push(await measured(`webhook, ${rate} req/s`, 'gateway', webhookRequests(webhookUrl, key, { duration, overallRate: rate, connections: 20 })));
      rows.push(await measured(`floor, ${rate} req/s`, 'floor', floorOptions({ duration, overallRate: rate, connections: 20 })));
    }
    const ratio = (i) => +(rows[0].requestsPerSecond / rows[i].requestsPerSecond).toFixed(3);
    return { rows, ratio: ratio(1), ratioInProduct: ratio(2), gatewayPeakRssMb, gatewayRssMb: Math.round(rss(gateway.child.pid) / 2 ** 20) };
  } finally {
    await dropPrefix(env, env.REDIS_PREFIX).catch((error) => console.error(`could not clean up ${env.REDIS_PREFIX}: ${error.message}`));
    await Promise.all([stopInstance(gateway), stopInstance(floor)]);
  }
}

async function endToEnd(env, duration) {
  const topology = await startEndToEnd(env);
  const { gateway, worker, key, webhookUrl, arrivals, groups } = topology;
  try {
    await settle(env);
    const waitForDeliveries = async (count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (arrivals.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };

    // Latency at a fixed 100 req/s.
    // Latency at a steady 100 req/s (paced, not bursts); every warm-up run delivered first.
    const warmUp = await pacedLoad('warm-up', pacedWebhook(webhookUrl, key, 100, Math.min(3, duration)));
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
    const peaks = { gateway: new PeakRss(gateway.child.pid), worker: new PeakRss(worker.child.pid) };
    const burst = await load('webhook → delivered, max rate', webhookRequests(webhookUrl, key, { duration, connections: 50 }));
    await waitForDeliveries(burst.total, 300_000);
    const peakRssMb = { gateway: peaks.gateway.stop(), worker: peaks.worker.stop() };
    const elapsed = (Math.max(...[...arrivals.values()].map((a) => a.at)) - started) / 1000;
    const after = snapshot(groups);
    const executions = arrivals.size;
    const cpuMsPerExecution = Object.fromEntries(Object.keys(groups).map((g) => [g, +(((after[g] - before[g]) * 1000) / executions).toFixed(3)]));
    const totalCpuMs = +Object.values(cpuMsPerExecution).reduce((a, b) => a + b, 0).toFixed(3);
    return {
      latency,
      sustained: { executions, accepted: burst.total, seconds: +elapsed.toFixed(2), executionsPerSecond: Math.round(executions / elapsed), ingestionRequestsPerSecond: burst.requestsPerSecond },
      cpuMsPerExecution: { ...cpuMsPerExecution, total: totalCpuMs },
      peakRssMb,
      rssMb: { gateway: Math.round(rss(gateway.child.pid) / 2 ** 20), worker: Math.round(rss(worker.child.pid) / 2 ** 20) },
    };
  } finally {
    await topology.stop();
  }
}

export async function main(argv) {
  const duration = Number(option(argv, 'duration', 10));
  /** `--phases=ingestion` or `--phases=e2e` runs one of the two (both by default). */
  const phases = option(argv, 'phases', 'ingestion,e2e').split(',');
  const base = {
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
  const results = [];
  for (const { mode, env: services } of await serviceModes(argv)) {
    const env = { ...base, ...services };
    // Each phase gets its own Redis prefix: the ingestion phase queues jobs no worker runs.
    const tag = Date.now().toString(36);
    console.log(`\n--- ${mode} services (${services.DATABASE_URL ? `${services.DATABASE_URL}, ${services.REDIS_URL}` : `embedded under ${env.VISAPI_DATA_DIR}`})`);
    const ingest = phases.includes('ingestion') ? await ingestion({ ...env, REDIS_PREFIX: `{bench-ingest-${tag}}` }, duration) : undefined;
    if (ingest) printIngestion(ingest, duration);
    const e2e = phases.includes('e2e') ? await endToEnd({ ...env, REDIS_PREFIX: `{bench-e2e-${tag}}` }, duration) : undefined;
    if (e2e) printEndToEnd(e2e);
    results.push({ mode, ingestion: ingest, endToEnd: e2e });
  }
  console.log(`\nSummary (${cpuInfo()}, ${duration} s per phase)\n`);
  console.log(table(results.map(summaryRow), SUMMARY_COLUMNS));
  const file = writeResult('ingestion', { machine: cpuInfo(), loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').trim(), duration, results });
  console.log(`written to ${file}`);
}

function printIngestion(ingest, duration) {
  console.log(`\nWebhook ingestion vs. the floor (${cpuInfo()}, ${duration} s per run; p90/p99 from autocannon; CPU ms per request)\n`);
  console.log(table(ingest.rows, ['name', 'requestsPerSecond', 'p50Ms', 'p90Ms', 'p99Ms', 'non2xx', 'errors', 'cpuMs', 'redisCpuMs']));
  console.log(`\nthroughput ratio webhook / floor: ${ingest.ratio} (target ≥ 0.5); webhook / old in-product floor: ${ingest.ratioInProduct}`);
  console.log(`gateway RSS: peak during max-rate ingestion ${ingest.gatewayPeakRssMb} MB, after the load ${ingest.gatewayRssMb} MB`);
}

function printEndToEnd(e2e) {
  console.log(`\nWebhook → delivered (one http.request step; gateway and worker as separate processes)`);
  console.log(`latency at 100 req/s: p50 ${e2e.latency.p50Ms} ms, p95 ${e2e.latency.p95Ms} ms, p99 ${e2e.latency.p99Ms} ms (${e2e.latency.delivered}/${e2e.latency.sent} delivered)`);
  console.log(`sustained: ${e2e.sustained.executionsPerSecond} executions/s (${e2e.sustained.executions} in ${e2e.sustained.seconds} s; ingestion ran at ${e2e.sustained.ingestionRequestsPerSecond} req/s)`);
  console.log(`CPU per execution (ms): ${Object.entries(e2e.cpuMsPerExecution).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`peak RSS under load: gateway ${e2e.peakRssMb.gateway} MB, worker ${e2e.peakRssMb.worker} MB`);
}

const SUMMARY_COLUMNS = ['services', 'floor', 'webhook', 'ratio', 'p99At1000', 'execPerS', 'cpuGateway', 'cpuWorker', 'cpuRedis', 'cpuPostgres', 'cpuTotal', 'p95Delivered', 'peakGateway', 'peakWorker'];

function summaryRow({ mode, ingestion: i, endToEnd: e }) {
  const at1000 = i?.rows.find((r) => r.name === 'webhook, 1000 req/s');
  const cpu = e?.cpuMsPerExecution ?? {};
  return {
    services: mode, floor: i?.rows[1].requestsPerSecond, webhook: i?.rows[0].requestsPerSecond, ratio: i?.ratio, p99At1000: at1000?.p99Ms,
    execPerS: e?.sustained.executionsPerSecond, cpuGateway: cpu.gateway, cpuWorker: cpu.worker, cpuRedis: cpu.redis, cpuPostgres: cpu.postgres, cpuTotal: cpu.total,
    p95Delivered: e?.latency.p95Ms, peakGateway: Math.max(i?.gatewayPeakRssMb ?? 0, e?.peakRssMb.gateway ?? 0), peakWorker: e?.peakRssMb.worker,
  };
}
