// `npm run bench -- soak [--minutes=30] [--rate=84] [--services=embedded|external]`: the seed's
// 5,000 requests a minute, end to end (webhook → one http.request step), for 30 minutes or as
// long as asked. Every minute it prints the RSS of every process, the V8 heap of the gateway
// and the worker (their /metrics), the requests refused or failed, and the backlog (accepted
// but not yet delivered); at the end each series' slope after the warm-up, in MB per hour.
import fs from 'node:fs';
import http from 'node:http';
import { cpuInfo, freePort, option, serviceModes, writeResult } from './lib.mjs';
import { familyOf, rss } from './proc.mjs';
import { settle, startEndToEnd } from './topology.mjs';

/** Minutes of warm-up left out of the slopes (heaps and caches grow to their working size). */
const WARM_UP_MINUTES = 3;
const COLUMN = 15;

/** Proportional set size of a process and its children (PostgreSQL's backends share its buffers). */
function pss(pid) {
  let total = 0;
  for (const p of familyOf(pid)) {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      /* gone */
    }
  }
  return total;
}

async function heapUsed(metricsUrl) {
  try {
    const text = await (await fetch(metricsUrl)).text();
    return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Least-squares slope of ys over xs (per unit of x). */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

export async function main(argv) {
  const minutes = Number(option(argv, 'minutes', 30));
  const rate = Number(option(argv, 'rate', 84));
  const [{ mode, env: services }] = await serviceModes(argv, 'embedded');
  const env = {
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench',
    API_KEY_RATE_LIMIT_BURST: '1000000',
    API_KEY_RATE_LIMIT_PER_SECOND: '1000000',
    HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    REDIS_PREFIX: `{bench-soak-${Date.now().toString(36)}}`,
    ...services,
  };
  const topology = await startEndToEnd(env);
  const { gateway, key, webhookUrl, arrivals, counters, groups } = topology;
  const samples = [];
  const tally = { sent: 0, accepted: 0, refused: 0, failed: 0 };
  try {
    await settle(env);
    console.log(`soak: ${rate} webhook executions/s for ${minutes} min against ${mode} services (${cpuInfo()})\n`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const target = new URL(webhookUrl);
    const tag = Date.now().toString(36);
    const send = (i) => {
      const body = JSON.stringify({ applicationId: `S-${i}`, status: 'approved' });
      const req = http.request(target, { method: 'POST', agent, headers: { 'x-api-key': key, 'content-type': 'application/json', 'idempotency-key': `soak-${tag}-${i}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? tally.accepted++ : tally.refused++));
      });
      req.on('error', () => tally.failed++);
      req.end(body);
      tally.sent++;
    };
    const started = performance.now();
    const durationMs = minutes * 60_000;
    let nextSample = 60_000;
    const sample = async (minute) => {
      const row = {
        minute,
        accepted: tally.accepted,
        refused: tally.refused,
        failed: tally.failed,
        backlog: tally.accepted - arrivals.size,
        duplicates: counters.duplicates,
        gatewayRssMb: +(rss(groups.gateway[0]) / 2 ** 20).toFixed(1),
        gatewayHeapMb: +((await heapUsed(`${gateway.url}/metrics`)) / 2 ** 20).toFixed(1),
        workerRssMb: +(rss(groups.worker[0]) / 2 ** 20).toFixed(1),
        workerHeapMb: +((await heapUsed(topology.workerMetricsUrl)) / 2 ** 20).toFixed(1),
        redisRssMb: +(rss(groups.redis[0]) / 2 ** 20).toFixed(1),
        postgresPssMb: +(pss(groups.postgres[0]) / 2 ** 20).toFixed(1),
      };
      if (samples.length === 0) console.log(Object.keys(row).map((k) => k.padStart(COLUMN)).join(''));
      samples.push(row);
      console.log(Object.values(row).map((v) => String(v).padStart(COLUMN)).join(''));
    };
    // Counted, not compared in time: `started + x - started` is not always x in floating point,
    // so a time test let one request more through now and then (121 of 120 in a short run).
    const count = Math.round((durationMs * rate) / 1000);
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / rate;
      const now = performance.now();
      if (due > now) await new Promise((r) => setTimeout(r, due - now));
      if (performance.now() - started >= nextSample) {
        void sample(Math.round(nextSample / 60_000));
        nextSample += 60_000;
      }
      send(i);
    }
    const drainDeadline = Date.now() + 120_000;
    while ((tally.accepted + tally.refused + tally.failed < tally.sent || arrivals.size < tally.accepted) && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 200));
    await sample(minutes);
    agent.destroy();
  } finally {
    await topology.stop();
  }
  const steady = samples.filter((s) => s.minute > WARM_UP_MINUTES);
  const series = ['gatewayRssMb', 'gatewayHeapMb', 'workerRssMb', 'workerHeapMb', 'redisRssMb', 'postgresPssMb', 'backlog'];
  const slopes = Object.fromEntries(series.map((name) => [name, +(slope(steady.map((s) => s.minute), steady.map((s) => s[name])) * 60).toFixed(2)]));
  const last = samples.at(-1);
  console.log(`\nslopes after minute ${WARM_UP_MINUTES} (per hour): ${Object.entries(slopes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`sent ${tally.sent}, accepted ${tally.accepted}, refused ${tally.refused}, failed ${tally.failed}, delivered ${arrivals.size}, duplicate deliveries ${counters.duplicates}, undelivered ${last.backlog}`);
  const file = writeResult('soak', { machine: cpuInfo(), loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').trim(), mode, minutes, rate, tally, delivered: arrivals.size, duplicates: counters.duplicates, samples, slopesPerHour: slopes });
  console.log(`written to ${file}`);
}
