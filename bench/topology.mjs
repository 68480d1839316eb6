// The processes a bench loads: a gateway and a worker started with the bench's env, a local
// server the one-step workflow posts to (recording each run's arrival), and the workflow.
import http from 'node:http';
import { cli, deleteKeys, freePort, servicePids, serviceUrls, startInstance, stopInstance } from './lib.mjs';

export async function api(url, key, method, body) {
  const res = await fetch(url, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Starts a gateway, a worker and the delivery target, and creates a webhook workflow whose one
 * `http.request` step posts `{ run, acceptedAt }` there. `arrivals`: run id → { at, sentAt }
 * (first delivery; `duplicates` counts the others). `groups`: the pids per process group for /proc readings.
 */
export async function startEndToEnd(env, { workerEnv = {} } = {}) {
  const arrivals = new Map();
  const counters = { duplicates: 0 };
  const target = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { run, acceptedAt } = JSON.parse(body);
      if (arrivals.has(run)) counters.duplicates++;
      else arrivals.set(run, { at: Date.now(), sentAt: Date.parse(acceptedAt) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const targetUrl = `http://127.0.0.1:${target.address().port}/delivered`;
  const gateway = await startInstance(['--role', 'gateway'], env);
  const workerPort = String(await freePort());
  const worker = await startInstance(['--role', 'worker'], { ...env, PORT: String(await freePort()), WORKER_METRICS_PORT: workerPort, ...workerEnv }, 'worker');
  const stop = async () => {
    await dropPrefix(env, env.REDIS_PREFIX).catch((error) => console.error(`could not clean up ${env.REDIS_PREFIX}: ${error.message}`));
    await Promise.all([stopInstance(gateway), stopInstance(worker)]);
    target.close();
  };
  try {
    const { key } = JSON.parse(cli(['apikey:create', '--label', 'bench-e2e', '--scopes', 'trigger,manage_workflows', '--json'], env));
    const hook = `bench-e2e-${Date.now().toString(36)}`;
    await api(`${gateway.url}/api/v1/workflows`, key, 'POST', {
      name: hook,
      version: '1.0.0',
      triggers: [{ type: 'webhook', key: hook }],
      steps: [{ id: 'deliver', type: 'http.request', config: { method: 'POST', url: targetUrl, body: { run: '{{ run.id }}', acceptedAt: '{{ run.triggeredAt }}' } } }],
    });
    const pids = await servicePids(env);
    return {
      gateway,
      worker,
      workerMetricsUrl: `http://127.0.0.1:${workerPort}/metrics`,
      key,
      webhookUrl: `${gateway.url}/api/v1/triggers/${hook}`,
      arrivals,
      counters,
      groups: { gateway: [gateway.child.pid], worker: [worker.child.pid], redis: [pids.redis], postgres: [pids.postgres] },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Lets the services finish what an earlier phase left them (Redis compacting its append-only
 * file after 100,000 job writes, PostgreSQL's dirty pages), so it is not measured as this
 * phase's latency.
 */
export async function settle(env) {
  const { Redis } = await import('ioredis');
  const pg = (await import('pg')).default;
  const { databaseUrl, redisUrl } = serviceUrls(env);
  const redis = new Redis(redisUrl);
  const [, appendonly] = await redis.config('GET', 'appendonly').catch(() => []);
  if (appendonly === 'yes') await redis.bgrewriteaof().catch(() => undefined);
  for (let i = 0; i < 600; i++) {
    const info = await redis.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /rdb_bgsave_in_progress:0/.test(info)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  redis.disconnect();
  const client = new pg.Client(databaseUrl);
  await client.connect();
  await client.query('CHECKPOINT').catch(() => undefined);
  await client.end();
}

/** Deletes a bench phase's Redis keys (its queues hold what was never run). */
export async function dropPrefix(env, prefix) {
  await deleteKeys(serviceUrls(env).redisUrl, prefix);
}

