// Two builds of the gateway side by side, on a shared machine: `npm run bench -- ab-gateways
// --a=<dist dir> --b=<dist dir>` (copies of apps/server/dist placed beside it, e.g.
// apps/server/dist-before, so they find node_modules and the migrations) starts one gateway
// from each on the same embedded services and loads them in turn in short slices — A B, B A,
// A B… — with the ingestion bench's webhook (every check on). Whatever the neighbours do falls
// on both alike. Per slice: req/s, CPU ms per request of the gateway and of Redis (/proc), p99,
// peak RSS. `--rounds=6 --slice=5` (seconds), `--rate=N` (fixed rate; max rate by default),
// `--a-node-options=… --b-node-options=…` (NODE_OPTIONS of each gateway: they come before the
// gateway's own flags in bench/lib.mjs, which win over the same flag set there),
// `--a-gateway-flags=… --b-gateway-flags=…` (space-separated Node flags instead of the gateway's
// own, `--max-semi-space-size=4`; empty for none: `--a-gateway-flags=`).
import fs from 'node:fs';
import path from 'node:path';
import { benchWebhookWorkflow, cli, freePort, load, option, ROOT, servicePids, startInstance, stopInstance, table, webhookRequests } from './lib.mjs';
import { PeakRss, snapshot } from './proc.mjs';
import { api } from './topology.mjs';

export async function main(argv) {
  const dists = { A: option(argv, 'a'), B: option(argv, 'b') };
  if (!dists.A || !dists.B) throw new Error('ab-gateways: --a=<dist dir> and --b=<dist dir> (relative to apps/server) are required');
  const rounds = Number(option(argv, 'rounds', 6));
  const slice = Number(option(argv, 'slice', 5));
  const rate = Number(option(argv, 'rate', 0));
  const nodeOptions = { A: option(argv, 'a-node-options', ''), B: option(argv, 'b-node-options', '') };
  const flagsOf = (side) => option(argv, `${side}-gateway-flags`)?.split(' ').filter(Boolean);
  const gatewayFlags = { A: flagsOf('a'), B: flagsOf('b') };
  const base = {
    LOG_LEVEL: 'warn', VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench', VISAPI_BENCH_ROUTES: 'true',
    API_KEY_RATE_LIMIT_BURST: '1000000', API_KEY_RATE_LIMIT_PER_SECOND: '1000000', SHUTDOWN_DRAIN_DELAY_MS: '0',
    REDIS_PREFIX: `{bench-ab-${Date.now().toString(36)}}`,
  };
  const gateways = {};
  for (const name of ['A', 'B']) {
    const env = { ...base, PORT: String(await freePort()), NODE_OPTIONS: nodeOptions[name] };
    const flags = gatewayFlags[name] ? { gatewayFlags: gatewayFlags[name] } : {};
    gateways[name] = await startInstance(['--role', 'gateway'], env, 'PORT', path.join(ROOT, 'apps/server', dists[name], 'main.js'), flags);
  }
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench-ab', '--scopes', 'trigger,manage_workflows', '--json'], base));
    const hook = `bench-ab-${Date.now().toString(36)}`;
    await api(`${gateways.A.url}/api/v1/workflows`, key, 'POST', benchWebhookWorkflow(hook));
    const webhook = (gateway, duration) => webhookRequests(`${gateway.url}/api/v1/triggers/${hook}`, key, { duration, ...(rate ? { overallRate: rate, connections: 20 } : {}) });
    const redis = (await servicePids(base)).redis;
    for (const name of ['A', 'B']) await load('warm-up', webhook(gateways[name], 3));
    const rows = [];
    for (let round = 1; round <= rounds; round++) {
      for (const name of round % 2 ? ['A', 'B'] : ['B', 'A']) {
        const gateway = gateways[name];
        const groups = { gateway: [gateway.child.pid], redis: [redis] };
        const before = snapshot(groups);
        const peak = new PeakRss(gateway.child.pid);
        const row = await load(`${name} #${round}`, webhook(gateway, slice));
        const peakRssMb = peak.stop();
        const after = snapshot(groups);
        const perRequest = (g) => +(((after[g] - before[g]) * 1000) / Math.max(1, row.total)).toFixed(3);
        rows.push({ ...row, side: name, cpuMs: perRequest('gateway'), redisCpuMs: perRequest('redis'), peakRssMb, load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0] });
      }
    }
    const described = (side) => [dists[side], nodeOptions[side], gatewayFlags[side] ? `flags: ${gatewayFlags[side].join(' ') || 'none'}` : ''].filter(Boolean).join(' ');
    console.log(`\nA = ${described('A')}, B = ${described('B')}; ${rate ? `${rate} req/s` : 'max rate'}, ${slice} s slices\n`);
    console.log(table(rows, ['name', 'requestsPerSecond', 'cpuMs', 'redisCpuMs', 'p99Ms', 'peakRssMb', 'non2xx', 'errors', 'load']));
    const mean = (side, k) => rows.filter((r) => r.side === side).reduce((s, r) => s + r[k], 0) / rounds;
    const summary = ['A', 'B'].map((side) => ({
      side, dist: dists[side], requestsPerSecond: Math.round(mean(side, 'requestsPerSecond')), cpuMs: +mean(side, 'cpuMs').toFixed(3), redisCpuMs: +mean(side, 'redisCpuMs').toFixed(3),
      total: +(mean(side, 'cpuMs') + mean(side, 'redisCpuMs')).toFixed(3), peakRssMax: Math.max(...rows.filter((r) => r.side === side).map((r) => r.peakRssMb)), peakRssMean: Math.round(mean(side, 'peakRssMb')),
    }));
    console.log(`\n${table(summary, ['side', 'dist', 'requestsPerSecond', 'cpuMs', 'redisCpuMs', 'total', 'peakRssMax', 'peakRssMean'])}`);
  } finally {
    await Promise.all(Object.values(gateways).map(stopInstance));
  }
}
