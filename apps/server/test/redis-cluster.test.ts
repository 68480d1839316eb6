import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { keySlot } from '../src/platform/redis/cluster';
import { RUN_QUEUES } from '../src/queues/job-catalog';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, signIn } from './support/auth-helpers';
import { freePort, spawnVisapi, type VisapiProcess, waitForHealthy } from './support/processes';
import { RedisClusterFixture } from './support/redis-cluster';
import { openSse, type SseEvent } from './support/sse';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

/**
 * A gateway and a worker as real processes on a Redis Cluster (3 masters + 3 replicas on
 * loopback): runs, idempotency, rate limits and live events work; then the master holding
 * VisAPI's slot is SIGKILLed under load, its replica is promoted, and the accepted runs are
 * counted — with and without REDIS_WAIT_REPLICAS=1 (WAIT 1 after each enqueue).
 */
let infra: TestInfra;
let setup: TestApp;
let cluster: RedisClusterFixture;
let db: pg.Pool;
const processes: VisapiProcess[] = [];
let plain: string;
let waiting: string;
let loadKey: string;
let limitedKey: string;
let readKey: string;
let keyManager: string;
const revocable: Array<{ id: string; key: string }> = [];
let cookie: string;
const WEBHOOK = 'cluster-flow';
/** A run slow enough that the worker has learnt (within a second) that a dashboard listens. */
const SLOW_WEBHOOK = 'cluster-watched';

let worker: VisapiProcess;
let evicting: number;

async function start(role: 'gateway' | 'worker', env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  const proc = spawnVisapi(['--role', role], {
    DATABASE_URL: infra.databaseUrl,
    REDIS_CLUSTER_NODES: cluster.seeds,
    REDIS_PREFIX: infra.redisPrefix,
    [role === 'gateway' ? 'PORT' : 'WORKER_METRICS_PORT']: String(port),
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '1000',
    ...env,
  });
  processes.push(proc);
  if (role === 'worker') worker = proc;
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc, 60_000);
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  infra = await createTestInfra();
  db = new pg.Pool({ connectionString: infra.databaseUrl, max: 2 });
  db.on('error', () => undefined); // an idle client ended by the cleanup's DROP DATABASE … FORCE
  // Keys, the workflow and a session are rows in PostgreSQL: made here, read by the processes.
  setup = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([setup.app.get(ApiKeysService).ready, setup.app.get(WorkflowCatalog).ready]);
  const manager = (await createKey(setup, ['manage_workflows'])).key;
  loadKey = (await createKey(setup, ['trigger'], { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } })).key;
  limitedKey = (await createKey(setup, ['trigger'], { rateLimit: { burst: 2, perSecond: 0.01 } })).key;
  readKey = (await createKey(setup, ['read_runs'])).key;
  // A key may revoke only keys no stronger than itself.
  keyManager = (await createKey(setup, ['manage_keys', 'read_runs'])).key;
  for (let i = 0; i < 2; i++) revocable.push(await createKey(setup, ['read_runs']));
  cookie = (await signIn(setup, 'cluster-watcher@example.com', 'viewer')).cookie;
  await createWorkflow(setup, manager, webhookTrigger(WEBHOOK));
  await createWorkflow(setup, manager, { ...webhookTrigger(SLOW_WEBHOOK), steps: [{ id: 'wait', type: 'delay', config: { ms: 2_000 } }] });
  await setup.close();

  cluster = new RedisClusterFixture();
  await cluster.start(3, 1);
  // One replica that could evict: the boot check must look at replicas too.
  evicting = await cluster.replicaOf(await cluster.masterOf(0));
  await cluster.configSet(evicting, 'maxmemory-policy', 'allkeys-lru');
  [plain, waiting] = await Promise.all([
    // API keys cached for 10 minutes: only the Cluster's pub/sub can make a gateway forget one in time.
    start('gateway', { API_KEY_CACHE_TTL_MS: '600000' }),
    start('gateway', { API_KEY_CACHE_TTL_MS: '600000', REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '500' }),
    // A run whose job vanished with the master is found by the reconciliation sweep, if its row exists.
    start('worker', { RUN_STALL_WINDOW_MS: '10000', RUN_RECONCILE_INTERVAL_MS: '2000', WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '2000' }),
  ]);
}, 180_000);

afterAll(async () => {
  for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await cluster?.stop();
  await db?.end();
  await infra?.cleanup();
});

async function trigger(base: string, key: string, body: unknown, headers: Record<string, string> = {}, webhook = WEBHOOK) {
  const res = await fetch(`${base}/api/v1/triggers/${webhook}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

async function runStatus(base: string, runId: string): Promise<string | undefined> {
  const res = await fetch(`${base}/api/v1/runs/${runId}`, { headers: { 'x-api-key': readKey } });
  return res.status === 200 ? ((await res.json()) as { status: string }).status : undefined;
}

describe('VisAPI on a Redis Cluster', () => {
  it('every key of the prefix maps to the slot the server computes (WAIT goes to that slot’s master)', async () => {
    expect(await cluster.keySlot(`${infra.redisPrefix}:critical:id`)).toBe(keySlot(infra.redisPrefix));
  });

  it('the durability check at boot reads every node: a replica that may evict is named', async () => {
    for (const proc of processes) {
      // The check runs beside the start-up, not before /healthz answers: wait for its line.
      await expect.poll(() => proc.output().includes('maxmemory-policy=allkeys-lru'), { timeout: 15_000, interval: 100 }).toBe(true);
      const warning = proc.output().split('\n').find((line) => line.includes('maxmemory-policy=allkeys-lru'));
      expect(warning, proc.output()).toContain(`"node":"127.0.0.1:${evicting}"`);
      expect(proc.output()).not.toMatch(/could not read the Redis configuration|appendonly=no|maxmemory-policy=(?!allkeys-lru)/i);
    }
  });

  it('a webhook is queued on the Cluster and its run succeeds', async () => {
    const accepted = await trigger(plain, loadKey, { hello: 'cluster' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    await expect.poll(() => runStatus(plain, accepted.body.runId!), { timeout: 20_000, interval: 100 }).toBe('succeeded');
  }, 30_000);

  it('a repeat with the same Idempotency-Key gets the first answer (one Lua call over keys of one slot)', async () => {
    const first = await trigger(plain, loadKey, { order: 1 }, { 'idempotency-key': 'cluster-once' });
    const again = await trigger(waiting, loadKey, { order: 1 }, { 'idempotency-key': 'cluster-once' });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.runId).toBe(first.body.runId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await trigger(plain, loadKey, { order: 2 }, { 'idempotency-key': 'cluster-once' });
    expect(other.status).toBe(422);
  }, 30_000);

  it('rate limits are shared through the Cluster: the third request of a burst of 2 gets 429', async () => {
    const statuses = [];
    for (const base of [plain, waiting, plain]) statuses.push((await trigger(base, limitedKey, {})).status);
    expect(statuses).toEqual([202, 202, 429]);
  }, 30_000);

  it('a key revoked through one gateway is refused by the other at once (cache invalidation over the Cluster’s pub/sub)', async () => {
    await revokedEverywhere(revocable[0]!);
  }, 30_000);

  it('a run’s live events reach a dashboard through the Cluster’s Stream', async () => {
    const sse = await openSse(`${waiting}/api/v1/events`, { cookie });
    try {
      expect(sse.status).toBe(200);
      // On the gateway the dashboard is on: another gateway learns of listeners only within a second.
      const { body } = await trigger(waiting, loadKey, { watched: true }, {}, SLOW_WEBHOOK);
      const isRun = (status: string) => (e: SseEvent) => e.event === 'run.updated' && (e.data as { id: string; status: string }).id === body.runId && (e.data as { status: string }).status === status;
      await sse.waitFor((e) => e.event === 'run.created' && (e.data as { id: string }).id === body.runId);
      await sse.waitFor(isRun('succeeded'));
    } finally {
      sse.close();
    }
  }, 30_000);

  it('WAIT costs a round trip: the latency of an accepted webhook with and without it', async () => {
    const timings: Record<string, number[]> = { plain: [], waiting: [] };
    for (let round = 0; round < 2; round++) {
      for (const [name, base] of [['plain', plain], ['waiting', waiting]] as const) {
        for (let i = 0; i < 50; i++) {
          const started = performance.now();
          const res = await trigger(base, loadKey, { round, i });
          timings[name]!.push(performance.now() - started);
          expect(res.status).toBe(202);
        }
      }
    }
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!.toFixed(2);
    const master = await cluster.masterOf(keySlot(infra.redisPrefix));
    console.log(`cluster: client connections per node with 2 gateways and 1 worker (master of VisAPI's slot: ${master}): ${JSON.stringify(await cluster.connections())}`);
    for (const [name, xs] of Object.entries(timings)) console.log(`cluster: webhook 202 latency ${name === 'plain' ? 'without WAIT' : 'with WAIT 1'}: p50 ${q(xs, 0.5)} ms, p99 ${q(xs, 0.99)} ms (${xs.length} sequential requests)`);
  }, 60_000);

  for (const [label, gateway] of [['without WAIT', () => plain], ['with WAIT 1', () => waiting]] as const) {
    it(`SIGKILL of the master holding VisAPI’s slot under load, its replica cut off for 1 s before (${label}): the replica is promoted, runs are counted`, async () => {
      const slot = keySlot(infra.redisPrefix);
      const master = await cluster.masterOf(slot);
      const replica = await cluster.replicaOf(master);
      const ledger = await underLoad(gateway(), 16, async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        // The replica is cut off for a second before the master dies: stopped (so it cannot
        // reconnect) and its link closed by the master. What the master accepts meanwhile exists
        // on the master only. The worker stops too, as under a backlog: a job it has already run
        // is not lost with the master (its run is in PostgreSQL), a queued one is.
        cluster.pause(replica, true);
        await cluster.dropReplicas(master);
        worker.child.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 1_000));
        await cluster.kill(master);
        cluster.pause(replica, false);
        const killedAt = Date.now();
        await expect.poll(() => cluster.masterOf(slot), { timeout: 20_000, interval: 100 }).toBe(replica);
        const promotedMs = Date.now() - killedAt;
        worker.child.kill('SIGCONT');
        // Load goes on a while on the promoted replica.
        await new Promise((r) => setTimeout(r, 1_500));
        return promotedMs;
      }).finally(() => {
        cluster.pause(replica, false);
        worker.child.kill('SIGCONT');
      });
      // The old master comes back as the new master's replica (the next round needs one).
      await cluster.restart(master);
      await cluster.settled();

      const ids = [...ledger.accepted];
      const counts = await settle(ids);
      const lost = ids.length - counts.found;
      console.log(
        `cluster failover ${label}: ${ledger.sent} requests, ${ids.length} accepted (202), refused ${JSON.stringify(ledger.refused)} (slowest refusal ${Math.round(ledger.slowestRefusalMs)} ms), ` +
          `replica promoted ${ledger.result} ms after the SIGKILL; accepted runs: ${counts.succeeded} succeeded, ${counts.found - counts.succeeded} unfinished, ${lost} lost`,
      );
      expect(ids.length).toBeGreaterThan(0);
      // A 202 given with WAIT is on the replica that was promoted.
      if (label === 'with WAIT 1') expect(lost).toBe(0);
    }, 120_000);
  }

  it('after two masters were killed, a revocation still reaches the other gateway', async () => {
    await revokedEverywhere(revocable[1]!);
  }, 30_000);
});

async function revokedEverywhere(target: { id: string; key: string }) {
  const read = (base: string) => fetch(`${base}/api/v1/runs?limit=1`, { headers: { 'x-api-key': target.key } }).then((r) => r.status);
  // Now cached there; right after a failover the gateway may still answer 503 for a moment.
  await expect.poll(() => read(waiting), { timeout: 15_000, interval: 200 }).toBe(200);
  // The other gateway too may answer 503 for a moment (refused before anything is done): revoking is idempotent.
  let answer = '';
  const revoke = async () => {
    const res = await fetch(`${plain}/api/v1/api-keys/${target.id}`, { method: 'DELETE', headers: { 'x-api-key': keyManager } });
    answer = `${res.status} ${await res.text()}`;
    return res.status;
  };
  await expect
    .poll(revoke, { timeout: 15_000, interval: 200 })
    .toBeLessThan(300)
    .catch((error: unknown) => {
      throw new Error(`the revocation was still refused: ${answer}\n${processes.map((p) => p.output().slice(-3_000)).join('\n---\n')}`, { cause: error });
    });
  await expect.poll(() => read(waiting), { timeout: 5_000, interval: 50 }).toBe(401);
}

/** Runs `during` while `concurrency` loops post unique webhooks; what was accepted and refused. */
async function underLoad<T>(base: string, concurrency: number, during: () => Promise<T>) {
  const accepted = new Set<string>();
  const refused: Record<string, number> = {};
  let sent = 0;
  let slowestRefusalMs = 0;
  let stop = false;
  const loops = Array.from({ length: concurrency }, async (_, loop) => {
    for (let n = 0; !stop; n++) {
      sent++;
      const started = performance.now();
      const res = await trigger(base, loadKey, { loop, n, at: Date.now() }).catch(() => ({ status: 'network error', body: {} as Record<string, string> }));
      if (res.status === 202) accepted.add(res.body.runId!);
      else {
        refused[res.status] = (refused[res.status] ?? 0) + 1;
        slowestRefusalMs = Math.max(slowestRefusalMs, performance.now() - started);
      }
    }
  });
  let result: T;
  try {
    result = await during();
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  return { accepted, sent, refused, slowestRefusalMs, result };
}

/**
 * Waits until every accepted run has finished, or until the run queues hold nothing more and the
 * count of runs stopped moving (what is still missing then was lost); counts rows.
 */
async function settle(ids: string[]): Promise<{ found: number; succeeded: number }> {
  const connection = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })));
  const queues = RUN_QUEUES.map((name) => new Queue(name, { connection, prefix: infra.redisPrefix }));
  try {
    let last = '';
    let stableSince = Date.now();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await db.query<{ found: string; succeeded: string }>(
        `select count(*) as found, count(*) filter (where status = 'succeeded') as succeeded from runs where id = any($1::uuid[])`,
        [ids],
      );
      const now = { found: Number(rows[0]!.found), succeeded: Number(rows[0]!.succeeded) };
      if (now.succeeded === ids.length || Date.now() > deadline) return now;
      const pending = (await Promise.all(queues.map((q) => q.getJobCounts('wait', 'prioritized', 'active', 'delayed')))).flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
      const state = `${now.found}/${now.succeeded}/${pending}`;
      if (state !== last) [last, stableSince] = [state, Date.now()];
      else if (pending === 0 && now.found === now.succeeded && Date.now() - stableSince > 2_000) return now;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  }
}
