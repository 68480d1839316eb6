// Live events (SPEC §9): worker → dashboard latency of `run.updated` through the shared Redis
// Stream, with two gateways and a worker as separate processes. Dashboards (SSE clients) are
// spread over both gateways; webhooks arrive at a steady rate; for every client and every run
// the latency runs from the run's finishedAt (the worker's UPDATE) to the client reading the
// `run.updated` that says succeeded. `npm run bench -- events [--duration=S] [--clients=N] [--rate=R]`.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cli, cpuInfo, deleteKeys, freePort, option, pacedLoad, ROOT, startInstance, stopInstance, writeResult } from './lib.mjs';
import { rss } from './proc.mjs';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** A session cookie through the real magic-link flow (the mail is printed by the gateway). */
async function signIn(gateway, email) {
  const asked = await fetch(`${gateway.url}/api/v1/auth/magic-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  if (asked.status !== 202) throw new Error(`magic link: ${asked.status}`);
  let token;
  for (let i = 0; i < 100 && !token; i++) {
    token = /auth\/callback\?token=([A-Za-z0-9_-]+)/.exec(gateway.output())?.[1];
    if (!token) await new Promise((r) => setTimeout(r, 100));
  }
  const verified = await fetch(`${gateway.url}/api/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status}`);
  return verified.headers.get('set-cookie').split(';')[0];
}

/** An SSE client that records, per run, when `run.updated` succeeded arrived. */
function dashboard(url, cookie, onSucceeded) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: ${res.statusCode}`));
      let buffer = '';
      const stats = { events: 0, resets: 0 };
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = Date.now();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          if (!event) continue;
          stats.events++;
          if (event === 'stream.reset') stats.resets++;
          if (event !== 'run.updated') continue;
          const run = JSON.parse(/^data: (.+)$/m.exec(block)[1]);
          if (run.status === 'succeeded') onSucceeded(run, at);
        }
      });
      resolve({ stats, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

export async function main(argv) {
  const duration = Number(option(argv, 'duration', 10));
  const clientCount = Number(option(argv, 'clients', 20));
  const rate = Number(option(argv, 'rate', 50));
  const env = {
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench',
    REDIS_PREFIX: `{bench-events-${Date.now().toString(36)}}`,
    ADMIN_EMAILS: 'bench-events@bench.example',
    API_KEY_RATE_LIMIT_BURST: '1000000',
    API_KEY_RATE_LIMIT_PER_SECOND: '1000000',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  };
  const a = await startInstance(['--role', 'gateway'], env);
  const b = await startInstance(['--role', 'gateway'], { ...env, PORT: String(await freePort()) });
  const worker = await startInstance(['--role', 'worker'], { ...env, PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()) }, 'worker');
  // Read while the instances run: the embedded defaults' runtime.json is emptied when they stop.
  const redisUrl = process.env.REDIS_URL ?? JSON.parse(fs.readFileSync(path.resolve(ROOT, env.VISAPI_DATA_DIR, 'runtime.json'), 'utf8')).redis?.url;
  const clients = [];
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench-events', '--scopes', 'trigger,manage_workflows', '--json'], env));
    const hook = `bench-events-${Date.now().toString(36)}`;
    const created = await fetch(`${a.url}/api/v1/workflows`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: hook, version: '1.0.0', triggers: [{ type: 'webhook', key: hook }], steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }] }),
    });
    if (created.status !== 201) throw new Error(`workflow: ${created.status} ${await created.text()}`);
    const cookie = await signIn(a, 'bench-events@bench.example');

    const latencies = { a: [], b: [] };
    for (let i = 0; i < clientCount; i++) {
      const side = i % 2 === 0 ? 'a' : 'b';
      const gateway = side === 'a' ? a : b;
      clients.push(await dashboard(`${gateway.url}/api/v1/events`, cookie, (run, at) => latencies[side].push(at - Date.parse(run.finishedAt))));
    }
    // Every process re-reads the listeners key once a second: let the worker notice the dashboards.
    await new Promise((r) => setTimeout(r, 2_000));
    const webhookUrl = `${b.url}/api/v1/triggers/${hook}`;
    const load = await pacedLoad('webhooks', { url: webhookUrl, rate, duration, request: () => ({ headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{}' }) });
    const expected = load.total * clientCount;
    const deadline = Date.now() + 30_000;
    while (latencies.a.length + latencies.b.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const summary = (values) => {
      const sorted = [...values].sort((x, y) => x - y);
      return { received: sorted.length, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) };
    };
    const result = {
      machine: cpuInfo(),
      duration,
      rate,
      clients: clientCount,
      runsAccepted: load.total - load.non2xx - load.errors,
      expectedDeliveries: expected,
      all: summary([...latencies.a, ...latencies.b]),
      gatewayA: summary(latencies.a),
      gatewayB: summary(latencies.b),
      eventsPerClient: Math.round(clients.reduce((n, c) => n + c.stats.events, 0) / clients.length),
      resets: clients.reduce((n, c) => n + c.stats.resets, 0),
      rssMb: { gatewayA: Math.round(rss(a.child.pid) / 2 ** 20), gatewayB: Math.round(rss(b.child.pid) / 2 ** 20), worker: Math.round(rss(worker.child.pid) / 2 ** 20) },
    };
    console.log(`\nrun.updated (succeeded), worker → ${clientCount} dashboards on two gateways, ${rate} runs/s for ${duration} s (${cpuInfo()})\n`);
    console.log(`delivered ${result.all.received} of ${expected}: p50 ${result.all.p50Ms} ms, p95 ${result.all.p95Ms} ms, p99 ${result.all.p99Ms} ms, max ${result.all.maxMs} ms`);
    console.log(`gateway A: p50 ${result.gatewayA.p50Ms} ms, p95 ${result.gatewayA.p95Ms} ms; gateway B: p50 ${result.gatewayB.p50Ms} ms, p95 ${result.gatewayB.p95Ms} ms`);
    console.log(`${result.eventsPerClient} events per dashboard (runs, logs, queue counts), ${result.resets} resets; RSS: gateways ${result.rssMb.gatewayA} / ${result.rssMb.gatewayB} MB, worker ${result.rssMb.worker} MB`);
    console.log(`written to ${writeResult('events', result)}`);
  } finally {
    for (const client of clients) client.close();
    await Promise.all([stopInstance(a), stopInstance(b), stopInstance(worker)]);
    // Nothing to clean without a URL: the embedded Redis is gone with its keys.
    if (redisUrl) await deleteKeys(redisUrl, env.REDIS_PREFIX).catch((error) => console.error(`could not clean up ${env.REDIS_PREFIX}: ${error.message}`));
  }
}
