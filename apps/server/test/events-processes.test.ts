import fs from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, signIn } from './support/auth-helpers';
import { startRole, type VisapiProcess } from './support/processes';
import { openSse, type SseConnection, type SseEvent } from './support/sse';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

/**
 * Two gateways and a worker as real processes on one database and Redis prefix: events raised in
 * the worker reach a dashboard on either gateway, and a dashboard that reconnects to the other
 * gateway catches up on what it missed.
 */
let infra: TestInfra;
let setup: TestApp;
let redis: Redis;
const processes: VisapiProcess[] = [];
const gateways: Array<{ proc: VisapiProcess; base: string }> = [];
let cookie: string;
let triggerKey: string;
const WEBHOOK = 'events-flow';

/** A gateway or worker process on this file's database and Redis prefix, once healthy. */
async function start(role: 'gateway' | 'worker') {
  const started = await startRole(infra, role, {
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_DELAY_MS: '200',
    SHUTDOWN_GRACE_MS: '30000',
    EVENTS_HEARTBEAT_MS: '1000',
    EVENTS_QUEUES_INTERVAL_MS: '1000',
    // A small heap, as in a container: garbage is collected before RSS grows far, so what a
    // stalled client would hold shows (process.env is not inherited: only these).
    NODE_OPTIONS: '--max-old-space-size=128',
  });
  processes.push(started.proc);
  return started;
}

beforeAll(async () => {
  infra = await createTestInfra();
  setup = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([setup.app.get(ApiKeysService).ready, setup.app.get(WorkflowCatalog).ready]);
  const manager = (await createKey(setup, ['manage_workflows'])).key;
  triggerKey = (await createKey(setup, ['trigger'])).key;
  cookie = (await signIn(setup, 'watcher@example.com', 'viewer')).cookie;
  // The delay outlasts the one second in which the worker notices that someone listens.
  await createWorkflow(setup, manager, { ...webhookTrigger(WEBHOOK), steps: [{ id: 'wait', type: 'delay', config: { ms: 2_000 } }] });
  redis = new Redis(infra.redisUrl);
  const [a, b] = await Promise.all([start('gateway'), start('gateway'), start('worker')]);
  gateways.push(a!, b!);
}, 120_000);
afterAll(async () => {
  for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  redis?.disconnect();
  await setup?.close();
  await infra?.cleanup();
});

const events = (gateway: { base: string }, headers: Record<string, string> = {}) => openSse(`${gateway.base}/api/v1/events`, { cookie, ...headers });

async function trigger(gateway: { base: string }): Promise<string> {
  const res = await fetch(`${gateway.base}/api/v1/triggers/${WEBHOOK}`, { method: 'POST', headers: { 'x-api-key': triggerKey, 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

const isRun = (runId: string, event: string, status?: string) => (e: SseEvent) =>
  e.event === event && (e.data as { id: string }).id === runId && (status === undefined || (e.data as { status: string }).status === status);

const before = (a: string, b: string) => {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! < bm! || (am === bm && as! < bs!);
};

let onA: SseConnection;
let onB: SseConnection;
let firstRun: string;

describe('events across processes', () => {
  it('a run triggered on one gateway and finished by the worker reaches dashboards on both gateways', async () => {
    [onA, onB] = await Promise.all([events(gateways[0]!), events(gateways[1]!)]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    firstRun = await trigger(gateways[1]!);
    for (const sse of [onA, onB]) {
      await sse.waitFor(isRun(firstRun, 'run.created'));
      const done = await sse.waitFor(isRun(firstRun, 'run.updated', 'succeeded'));
      expect(done.data).toMatchObject({ trigger: { type: 'webhook', key: WEBHOOK }, attempts: 1 });
      await sse.waitFor((e) => e.event === 'log.created' && (e.data as { runId: string; message: string }).runId === firstRun && (e.data as { message: string }).message === 'run succeeded');
    }
    // Both gateways read the one backlog: the same ids in the same order.
    const ids = (sse: SseConnection) => sse.events.filter((e) => e.event !== 'queues.counts').map((e) => e.id);
    expect(ids(onA)).toEqual(ids(onB));
  }, 30_000);

  it('a dashboard that reconnects with Last-Event-ID to the other gateway gets what it missed, once, then live events', async () => {
    const lastSeen = (await onA.waitFor(isRun(firstRun, 'run.created'))).id!;
    onA.close();
    const missedRun = await trigger(gateways[0]!);
    await onB.waitFor(isRun(missedRun, 'run.updated', 'succeeded'), 20_000);

    const resumed = await events(gateways[1]!, { 'last-event-id': lastSeen });
    try {
      expect(resumed.status).toBe(200);
      await resumed.waitFor(isRun(missedRun, 'run.created'));
      await resumed.waitFor(isRun(missedRun, 'run.updated', 'succeeded'));
      const liveRun = await trigger(gateways[1]!);
      await resumed.waitFor(isRun(liveRun, 'run.updated', 'succeeded'), 20_000);
      await onB.waitFor(isRun(liveRun, 'run.updated', 'succeeded'), 20_000);
      const got = resumed.events.map((e) => e.id!);
      expect(resumed.events.some((e) => e.event === 'stream.reset')).toBe(false);
      expect(new Set(got).size).toBe(got.length);
      // Exactly the reference stream's entries after Last-Event-ID: no gap, no duplicate.
      const last = got.at(-1)!;
      const reference = onB.events.map((e) => e.id!).filter((id) => before(lastSeen, id) && !before(last, id));
      expect(got).toEqual(reference);
    } finally {
      resumed.close();
      onB.close();
    }
  }, 60_000);

  it('a client that stops reading is dropped; the gateway’s memory stays flat', async () => {
    const gateway = gateways[0]!;
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${gateway.proc.child.pid}/status`, 'utf8'))![1]) * 1024;
    const port = Number(new URL(gateway.base).port);
    // A reading client tells when each batch has been fanned out.
    const probe = await events(gateway);
    expect(probe.status).toBe(200);
    const stream = `${infra.redisPrefix}:events:stream`;
    const payload = JSON.stringify({ id: '1', level: 'info', message: 'x'.repeat(8_000), workflowId: null, runId: null, jobId: null, actorId: null, payload: null, piiRedacted: true, createdAt: new Date().toISOString() });
    /** 48 MB in 30 batches of 200 entries, each awaited on the probe. */
    async function publish48MB() {
      for (let batch = 0; batch < 30; batch++) {
        const pipeline = redis.pipeline();
        for (let i = 0; i < 200; i++) pipeline.xadd(stream, 'MAXLEN', '~', 1000, '*', 't', 'log.created', 'd', payload);
        const lastId = (await pipeline.exec())!.at(-1)![1] as string;
        await probe.waitFor((e) => e.id === lastId);
        probe.events.length = 0; // keep the test's own memory small
      }
      return 30 * 200 * payload.length;
    }
    // Warm up: the gateway's heap grows to what this traffic needs, with only readers.
    await publish48MB();
    const rssBefore = rss();

    // A raw connection that sends its request and never reads a byte.
    const stalled = net.connect(port, '127.0.0.1');
    await new Promise((r) => stalled.once('connect', r));
    stalled.pause();
    stalled.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\n\r\n`);
    const closed = new Promise((r) => stalled.once('close', r));
    const published = (await publish48MB()) + (await publish48MB());
    await expect.poll(() => gateway.proc.output().includes('event stream client dropped'), { timeout: 10_000 }).toBe(true);
    const growth = rss() - rssBefore;
    console.log(`events: ${Math.round(published / 1e6)} MB published while a client stalled; gateway RSS ${Math.round(rssBefore / 1e6)} → ${Math.round((rssBefore + growth) / 1e6)} MB`);
    // Holding what the stalled client did not read would have kept most of it.
    expect(growth).toBeLessThan(published / 2);
    // The connection was destroyed: once the client reads what its buffers hold, it ends.
    stalled.resume();
    await closed;
    probe.close();
  }, 120_000);

  it('SIGTERM ends the open streams and the gateway exits promptly', async () => {
    const gateway = gateways[1]!;
    const sse = await events(gateway);
    expect(sse.status).toBe(200);
    const started = Date.now();
    gateway.proc.child.kill('SIGTERM');
    await sse.ended;
    expect(await gateway.proc.exited).toBe(0);
    // Far below SHUTDOWN_GRACE_MS (30 s), which would cut a stream that held the exit.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
