// Key-verification overhead: an authenticated no-op route (GET /api/v1/auth/me with an API
// key: cache lookup, SHA-256, constant-time compare, rate-limit round trip to Redis) against
// an unauthenticated one (GET /livez), in the same run, on the same instance.
import { cli, cpuInfo, freePort, load, option, startInstance, stopInstance, table, writeResult } from './lib.mjs';

export async function authOverhead({ url, key, duration }) {
  const rows = [];
  // Warm both paths (JIT, key cache), then measure each, twice, interleaved.
  await load('warm-up', { url: `${url}/livez`, duration: 2 });
  await load('warm-up', { url: `${url}/api/v1/auth/me`, duration: 2, headers: { 'x-api-key': key } });
  for (let round = 1; round <= 2; round++) {
    rows.push(await load(`unauthenticated /livez #${round}`, { url: `${url}/livez`, duration }));
    rows.push(await load(`API key /api/v1/auth/me #${round}`, { url: `${url}/api/v1/auth/me`, duration, headers: { 'x-api-key': key } }));
  }
  const best = (prefix) => rows.filter((r) => r.name.startsWith(prefix)).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
  const open = best('unauthenticated');
  const authed = best('API key');
  const perRequestUs = (1e6 / authed.requestsPerSecond - 1e6 / open.requestsPerSecond).toFixed(1);
  return { rows, summary: { overheadP50Ms: +(authed.p50Ms - open.p50Ms).toFixed(2), overheadP99Ms: +(authed.p99Ms - open.p99Ms).toFixed(2), serverTimePerRequestUs: Number(perRequestUs), throughputRatio: +(authed.requestsPerSecond / open.requestsPerSecond).toFixed(3) } };
}

export async function main(argv) {
  const duration = Number(option(argv, 'duration', 10));
  const port = await freePort();
  const env = {
    PORT: String(port),
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: process.env.VISAPI_DATA_DIR ?? '.visapi/bench',
    // The limiter still runs on every request; the bucket is just big enough not to refuse.
    API_KEY_RATE_LIMIT_BURST: '1000000',
    API_KEY_RATE_LIMIT_PER_SECOND: '1000000',
  };
  const instance = await startInstance(['--role', 'gateway'], env);
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench', '--scopes', 'read_logs', '--json'], env));
    const result = await authOverhead({ url: instance.url, key, duration });
    const file = writeResult('auth-overhead', { machine: cpuInfo(), duration, ...result });
    console.log(`\nKey verification overhead (${cpuInfo()}, ${duration} s per run, 50 connections)\n`);
    console.log(table(result.rows));
    console.log(`\noverhead p50 ${result.summary.overheadP50Ms} ms, p99 ${result.summary.overheadP99Ms} ms; ` +
      `${result.summary.serverTimePerRequestUs} µs more per request at full load; throughput ratio ${result.summary.throughputRatio}`);
    console.log(`written to ${file}`);
  } finally {
    await stopInstance(instance);
  }
}
