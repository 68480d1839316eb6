import { describe, expect, it } from 'vitest';
import { CachedReading } from './cached-reading';
import { webhookOutcome } from './http-metrics';
import { Metrics, NO_WORKFLOW, UNMATCHED_ROUTE, WEBHOOK_OUTCOMES, WORKFLOW_LABELS_MAX } from './metrics';
import { bearerMatches } from './metrics-token';

describe('webhookOutcome', () => {
  it('names every SPEC outcome from the answer', () => {
    const cases: Array<[number, boolean, string]> = [
      [202, false, 'accepted'],
      [202, true, 'replayed'],
      [401, false, 'unauthorized'],
      [403, false, 'unauthorized'],
      [400, false, 'invalid'],
      [415, false, 'invalid'],
      [422, false, 'invalid'],
      [404, false, 'not_found'],
      [409, false, 'conflict'],
      [413, false, 'too_large'],
      [429, false, 'rate_limited'],
      [503, false, 'unavailable'],
      [500, false, 'unavailable'],
    ];
    for (const [status, replayed, outcome] of cases) expect([status, webhookOutcome(status, replayed)]).toEqual([status, outcome]);
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(WEBHOOK_OUTCOMES));
  });
});

describe('Metrics', () => {
  it('caps the workflow label: the first ids as themselves, later ones as other', () => {
    const metrics = new Metrics();
    for (let i = 0; i < WORKFLOW_LABELS_MAX; i++) expect(metrics.workflowLabel(`wf-${i}`)).toBe(`wf-${i}`);
    expect(metrics.workflowLabel('wf-late')).toBe('other');
    expect(metrics.workflowLabel('wf-3')).toBe('wf-3');
    expect(metrics.workflowLabel(undefined)).toBe(NO_WORKFLOW);
    expect(metrics.workflowLabel(42)).toBe(NO_WORKFLOW);
  });

  it('labels a request no route matched as one route, and ignores fail reasons outside the SPEC', async () => {
    const metrics = new Metrics();
    metrics.observeHttp('GET', undefined, 404, 0.002);
    metrics.observeHttp('GET', undefined, 404, 0.004);
    metrics.observeHttp('GET', '/api/v1/runs/:id', 200, 0.01);
    metrics.stepFailed('default', 'wf', 'delay', 'cancelled');
    const text = await metrics.text();
    expect(text).toContain(`http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status_code="404"} 2`);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/runs/:id",status_code="200"} 1');
    expect(text).not.toMatch(/job_fail_total\{/);
  });

  it('counts dropped log rows from the writer’s running total', async () => {
    const metrics = new Metrics();
    let dropped = 0;
    metrics.sources.logRowsDropped = () => dropped;
    expect(await metrics.text()).toContain('log_buffer_dropped_total 0');
    dropped = 7;
    expect(await metrics.text()).toContain('log_buffer_dropped_total 7');
    dropped = 9;
    expect(await metrics.text()).toContain('log_buffer_dropped_total 9');
  });

  it('reports no queue series (rather than stale ones) when the counts cannot be read', async () => {
    const metrics = new Metrics();
    let fail = false;
    metrics.sources.queues = async () => {
      if (fail) throw new Error('Redis is down');
      return { queues: [{ name: 'default', counts: { waiting: 3, active: 1, delayed: 0, prioritized: 0, failed: 2, completed: 5 }, workers: 1 }] } as never;
    };
    const first = await metrics.text();
    expect(first).toContain('queue_jobs{queue="default",state="waiting"} 3');
    expect(first).toContain('queue_workers{queue="default"} 1');
    fail = true;
    const second = await metrics.text();
    expect(second).not.toContain('queue_jobs{');
    expect(second).not.toContain('queue_workers{');
  });
});

describe('CachedReading', () => {
  it('reads once per window, shares a reading in flight, and reads again after a failure', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const reading = new CachedReading(
      async () => {
        reads++;
        if (fail) throw new Error('down');
        return reads;
      },
      5_000,
      () => now,
    );
    expect(await Promise.all([reading.get(), reading.get(), reading.get()])).toEqual([1, 1, 1]);
    now = 4_999;
    expect(await reading.get()).toBe(1);
    now = 5_000;
    fail = true;
    await expect(reading.get()).rejects.toThrow('down');
    fail = false;
    expect(await reading.get()).toBe(3);
    expect(reads).toBe(3);
  });
});

describe('bearerMatches', () => {
  const token = 'a-long-metrics-token-123';
  it('accepts exactly the token as a bearer', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });
  it('refuses anything else', () => {
    for (const header of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, 'Bearer ', `Bearer ${token} extra`]) {
      expect([header, bearerMatches(header, token)]).toEqual([header, false]);
    }
  });
});
