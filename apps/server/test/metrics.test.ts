import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_NAMES, QUEUE_STATES } from '@visapi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WEBHOOK_OUTCOMES } from '../src/metrics/metrics';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { FakeProvider, type ProviderResponse } from './support/providers/fake-provider';
import { startRole, type VisapiProcess } from './support/processes';
import { type Exposition, find, parseExposition, total } from './support/prometheus-text';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';
import { metricNamesOfAlerts, metricNamesOfDashboard } from './support/promql-names';

/**
 * A gateway and a worker as real processes under a short load: every SPEC §12 series on their
 * /metrics with its labels, counts that match what was sent, METRICS_TOKEN enforced, and the
 * alert rules and the Grafana dashboard using only series the processes export.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'metrics-test-token-0123456789';
const WEBHOOK = 'metrics-flow';
const WEBHOOK_ROUTE = '/api/v1/triggers/:key';

let infra: TestInfra;
let setup: TestApp;
let target: FakeProvider;
const processes: VisapiProcess[] = [];
let gateway: string;
let worker: string;
let workerProc: VisapiProcess;
let workflowId: string;
let triggerKey: string;
let limitedKey: string;
let managerKey: string;
/** Webhook requests sent to the gateway process, by expected outcome. */
const sent = new Map<string, number>();
let gatewayScrape: Exposition;
let workerScrape: Exposition;

async function start(role: 'gateway' | 'worker') {
  const started = await startRole(infra, role, { LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_DELAY_MS: '0', METRICS_TOKEN: TOKEN, HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' });
  processes.push(started.proc);
  return started;
}

async function scrape(base: string): Promise<Exposition> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

/** Posts to the webhook route of the gateway process and counts the request under `outcome`. */
async function webhook(outcome: string, status: number, options: { key?: string; hook?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${gateway}/api/v1/triggers/${options.hook ?? WEBHOOK}`, {
    method: 'POST',
    headers: { 'x-api-key': options.key ?? triggerKey, 'content-type': 'application/json', ...options.headers },
    body: options.body ?? '{"answer":"200"}',
  });
  await res.arrayBuffer();
  expect([outcome, res.status]).toEqual([outcome, status]);
  sent.set(outcome, (sent.get(outcome) ?? 0) + 1);
  return res;
}

beforeAll(async () => {
  infra = await createTestInfra();
  // The step posts {"answer": ...}: a status to answer with, or "hang" (never answers: the step times out).
  target = await new FakeProvider()
    .on('POST', /^\/step$/, (req): ProviderResponse => {
      const answer = (req.body as { answer: string }).answer;
      return answer === 'hang' ? { status: 200, hang: true } : { status: Number(answer), body: { answer } };
    })
    .start();
  setup = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([setup.app.get(ApiKeysService).ready, setup.app.get(WorkflowCatalog).ready]);
  managerKey = (await createKey(setup, ['manage_workflows', 'read_runs'])).key;
  triggerKey = (await createKey(setup, ['trigger'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
  limitedKey = (await createKey(setup, ['trigger'], { rateLimit: { burst: 1, perSecond: 0.001 } })).key;
  workflowId = (
    await createWorkflow(setup, managerKey, {
      ...webhookTrigger(WEBHOOK),
      steps: [{ id: 'call', type: 'http.request', retries: 0, timeout: 1000, config: { method: 'POST', url: `${target.base}/step`, body: { answer: '{{ input.answer }}' } } }],
    })
  ).id;
  const [g, w] = await Promise.all([start('gateway'), start('worker')]);
  gateway = g.base;
  worker = w.base;
  workerProc = w.proc;

  // The short load: every outcome the gateway can be made to give here.
  for (const answer of ['200', '503', '400', 'hang']) await webhook('accepted', 202, { body: JSON.stringify({ answer }) });
  await webhook('accepted', 202, { headers: { 'idempotency-key': 'metrics-once' } });
  const replayed = await webhook('replayed', 202, { headers: { 'idempotency-key': 'metrics-once' } });
  expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  await webhook('accepted', 202, { key: limitedKey });
  await webhook('rate_limited', 429, { key: limitedKey });
  await webhook('unauthorized', 401, { key: 'vk_nope_nopenopenopenopenopenope' });
  await webhook('invalid', 400, { body: '[1, 2]' });
  await webhook('invalid', 415, { headers: { 'content-type': 'text/csv' }, body: 'a,b' });
  await webhook('not_found', 404, { hook: 'no-such-hook' });
  await webhook('too_large', 413, { body: JSON.stringify({ answer: 'x'.repeat(600 * 1024) }) });
  // Routes with ids and unknown paths: their labels are templates.
  const run = await fetch(`${gateway}/api/v1/runs/${randomUUID()}`, { headers: { 'x-api-key': managerKey } });
  expect(run.status).toBe(404);
  expect((await fetch(`${gateway}/no/such/${randomUUID()}`, { method: 'POST' })).status).toBe(404);

  // Six runs: three succeed, one dies of each reason (transient 503, permanent 400, timeout).
  await until(async () => total(await scrape(worker), 'run_outcomes_total') === 6, 60_000);
  [gatewayScrape, workerScrape] = await Promise.all([scrape(gateway), scrape(worker)]);
}, 180_000);

afterAll(async () => {
  for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  await setup?.close();
  await target?.stop();
  await infra?.cleanup();
});

describe('GET /metrics with METRICS_TOKEN', () => {
  it.each([
    ['gateway', () => gateway],
    ['worker', () => worker],
  ])('the %s answers 401 without the token or with another, 200 with it', async (_, base) => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: `Basic ${TOKEN}` }] as Array<Record<string, string>>) {
      const res = await fetch(`${base()}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('the gateway process', () => {
  it('counts every webhook request in the route’s histogram, by status', () => {
    const webhooks = [...sent.values()].reduce((a, b) => a + b, 0);
    expect(total(gatewayScrape, 'http_request_duration_seconds_count', { route: WEBHOOK_ROUTE })).toBe(webhooks);
    expect(total(gatewayScrape, 'http_request_duration_seconds_count', { route: WEBHOOK_ROUTE, method: 'POST', status_code: '202' })).toBe(7);
    for (const status of ['400', '401', '404', '413', '415', '429']) {
      expect(find(gatewayScrape, 'http_request_duration_seconds_count', { route: WEBHOOK_ROUTE, status_code: status })).toHaveLength(1);
    }
    const buckets = find(gatewayScrape, 'http_request_duration_seconds_bucket', { route: WEBHOOK_ROUTE, status_code: '202' });
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(7);
    expect(gatewayScrape.types.get('http_request_duration_seconds')).toBe('histogram');
  });

  it('labels routes by template, never by the raw URL', () => {
    const routes = new Set(find(gatewayScrape, 'http_request_duration_seconds_count').map((s) => s.labels.route!));
    expect(routes).toContain('/api/v1/runs/:id');
    expect(routes).toContain('unmatched');
    for (const route of routes) {
      expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(route).not.toMatch(/metrics-flow|no-such-hook|no\/such/);
    }
  });

  it('counts webhook outcomes, each of the SPEC’s labels present', () => {
    for (const outcome of WEBHOOK_OUTCOMES) {
      expect([outcome, total(gatewayScrape, 'webhook_requests_total', { outcome })]).toEqual([outcome, sent.get(outcome) ?? 0]);
    }
    expect(gatewayScrape.types.get('webhook_requests_total')).toBe('counter');
  });

  it('counts rate-limited requests by kind, and exports the log buffer, the queues and the process', () => {
    expect(total(gatewayScrape, 'rate_limited_total', { kind: 'key' })).toBe(1);
    expect(find(gatewayScrape, 'rate_limited_total', { kind: 'ip' })).toHaveLength(1);
    expect(find(gatewayScrape, 'log_buffer_dropped_total')).toEqual([{ name: 'log_buffer_dropped_total', labels: {}, value: 0 }]);
    expectQueueSeries(gatewayScrape);
    expectProcessSeries(gatewayScrape);
  });
});

describe('the worker process', () => {
  it('measures each run job from enqueue to finish, and its processing', () => {
    const labels = { queue: 'default', workflow: workflowId };
    for (const name of ['job_latency_seconds', 'job_duration_seconds']) {
      expect(workerScrape.types.get(name)).toBe('histogram');
      expect(total(workerScrape, `${name}_count`, labels)).toBe(6);
      expect(find(workerScrape, `${name}_bucket`, { ...labels, le: '+Inf' })[0]?.value).toBe(6);
      expect(total(workerScrape, `${name}_sum`, labels)).toBeGreaterThan(0);
    }
    // The timed-out step alone took its 1 s timeout.
    expect(total(workerScrape, 'job_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(1);
  });

  it('counts failures by step type and reason, and runs by outcome', () => {
    for (const reason of ['transient', 'permanent', 'timeout']) {
      expect([reason, total(workerScrape, 'job_fail_total', { queue: 'default', workflow: workflowId, step_type: 'http.request', reason })]).toEqual([reason, 1]);
    }
    expect(total(workerScrape, 'run_outcomes_total', { queue: 'default', status: 'succeeded' })).toBe(3);
    expect(total(workerScrape, 'run_outcomes_total', { queue: 'default', status: 'dead' })).toBe(3);
  });

  it('exports the queues, the log buffer and the process, and no HTTP API series', () => {
    expectQueueSeries(workerScrape);
    expectProcessSeries(workerScrape);
    expect(find(workerScrape, 'log_buffer_dropped_total')).toHaveLength(1);
    expect(find(workerScrape, 'http_request_duration_seconds_count', { route: WEBHOOK_ROUTE })).toEqual([]);
  });
});

describe('the ops kit uses only exported series', () => {
  /** Every name the two processes export, with the _bucket/_count/_sum of histograms. */
  const exported = () => {
    const names = new Set<string>();
    for (const scrape of [gatewayScrape, workerScrape]) {
      for (const sample of scrape.samples) names.add(sample.name);
      for (const [name, type] of scrape.types) {
        names.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(name + suffix);
      }
    }
    return names;
  };
  /** Series Prometheus makes itself (up) or the blackbox exporter exports (probe_*). */
  const NOT_OURS = new Set(['up', 'probe_success', 'probe_http_status_code', 'probe_duration_seconds']);

  it('alerts.yml', () => {
    const { used, recorded } = metricNamesOfAlerts(fs.readFileSync(path.join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8'));
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter((name) => !exported().has(name) && !recorded.has(name) && !NOT_OURS.has(name));
    expect(missing).toEqual([]);
  });

  it('the Grafana dashboard', () => {
    const used = metricNamesOfDashboard(JSON.parse(fs.readFileSync(path.join(ROOT, 'ops/grafana/visapi.json'), 'utf8')));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !exported().has(name))).toEqual([]);
  });
});

describe('the blackbox modules (ops/prometheus/blackbox.yml)', () => {
  it('succeed on a real /healthz of each process, and fail on one naming that dependency down', async () => {
    const { modules } = parseYaml(fs.readFileSync(path.join(ROOT, 'ops/prometheus/blackbox.yml'), 'utf8')) as {
      modules: Record<string, { http: { valid_status_codes: number[]; fail_if_body_not_matches_regexp: string[] } }>;
    };
    expect(Object.keys(modules).sort()).toEqual(['visapi_database', 'visapi_redis']);
    for (const base of [gateway, worker]) {
      const res = await fetch(`${base}/healthz`);
      const body = await res.text();
      for (const [name, module] of Object.entries(modules)) {
        expect(module.http.valid_status_codes).toContain(res.status);
        const dependency = name === 'visapi_redis' ? 'redis' : 'database';
        const down = body.replace(`"${dependency}":{"status":"up"`, `"${dependency}":{"status":"down"`);
        for (const pattern of module.http.fail_if_body_not_matches_regexp) {
          expect([name, new RegExp(pattern).test(body)]).toEqual([name, true]);
          expect([name, new RegExp(pattern).test(down)]).toEqual([name, false]);
        }
      }
    }
  });
});

describe('role all', () => {
  it('serves the worker’s series on the gateway’s /metrics', async () => {
    workerProc.child.kill('SIGTERM');
    await workerProc.exited;
    const all = await createTestApp(infra, { role: 'all', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      await all.app.get(ApiKeysService).ready;
      const accepted = await all.app.inject({ method: 'POST', url: `/api/v1/triggers/${WEBHOOK}`, headers: { 'x-api-key': triggerKey }, payload: { answer: '200' } });
      expect(accepted.statusCode, accepted.body).toBe(202);
      let exposition: Exposition | undefined;
      await expect
        .poll(async () => {
          exposition = parseExposition((await all.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body);
          return total(exposition, 'run_outcomes_total', { status: 'succeeded' });
        }, { timeout: 30_000, interval: 100 })
        .toBe(1);
      expect(total(exposition!, 'http_request_duration_seconds_count', { route: WEBHOOK_ROUTE })).toBeGreaterThanOrEqual(1);
      expect(total(exposition!, 'job_latency_seconds_count', { workflow: workflowId })).toBe(1);
    } finally {
      await all.close();
    }
  }, 60_000);
});

/** Polls `done` (a scrape: the runs finish in another process, with no event to await here) until true. */
async function until(done: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectQueueSeries(exposition: Exposition) {
  expect(exposition.types.get('queue_jobs')).toBe('gauge');
  for (const queue of QUEUE_NAMES) {
    for (const state of QUEUE_STATES) expect([queue, state, find(exposition, 'queue_jobs', { queue, state })]).toHaveProperty('2.length', 1);
    expect(find(exposition, 'queue_workers', { queue })).toHaveLength(1);
  }
}

function expectProcessSeries(exposition: Exposition) {
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds']) {
    expect([name, find(exposition, name).length]).toEqual([name, 1]);
  }
}
