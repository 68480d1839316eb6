import { act, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Health, Queues, RunStats, RunSummary } from '@visapi/contracts';
import { QUEUE_NAMES } from '@visapi/contracts/queues';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi, problem, reply, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// The first visit of a lazy page compiles its chunk, which takes a while under test on a busy machine.
configure({ asyncUtilTimeout: 5_000 });
vi.setConfig({ testTimeout: 30_000 });

const WORKFLOW_ID = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c01';
const DEAD_RUN = '7d3e9a10-0000-4000-8000-000000000009';

const queues = (bulkWaiting: number): Queues => ({
  queues: [
    { name: 'critical', counts: { waiting: 1, prioritized: 2, active: 3, delayed: 0, completed: 50, failed: 1 }, workers: 2 },
    { name: 'bulk', counts: { waiting: bulkWaiting, prioritized: 0, active: 0, delayed: 4, completed: 0, failed: 0 }, workers: 0 },
  ],
});

const deadRun: RunSummary = {
  id: DEAD_RUN,
  workflowId: WORKFLOW_ID,
  workflowVersion: '1.0.0',
  status: 'dead',
  trigger: { type: 'webhook', key: 'visa-approved' },
  requestId: null,
  attempts: 4,
  createdAt: '2026-11-30T10:01:00.000Z',
  startedAt: '2026-11-30T10:01:01.000Z',
  finishedAt: '2026-11-30T10:05:00.000Z',
  error: { class: 'permanent', message: 'partner answered 404', stepId: 'forward' },
};

const minute = (i: number, over: Partial<RunStats['buckets'][number]> = {}) => ({
  at: new Date(Date.UTC(2026, 10, 30, 10, i)).toISOString(),
  created: 0,
  succeeded: 0,
  dead: 0,
  cancelled: 0,
  failed: 0,
  ...over,
});

const stats = (succeeded = 40): RunStats => ({
  from: '2026-11-30T10:00:00.000Z',
  to: '2026-11-30T11:00:00.000Z',
  buckets: Array.from({ length: 60 }, (_, i) => (i === 1 ? minute(i, { created: 7, succeeded: 5, dead: 1, failed: 2 }) : i === 2 ? minute(i, { created: 3, succeeded: 3 }) : minute(i))),
  totals: { created: 42, succeeded, dead: 1, cancelled: 1, failed: 2, successRate: succeeded / (succeeded + 1) },
  latencyMs: { p50: 850, p95: 12_300, count: succeeded },
  recentFailures: [deadRun],
});

function api(statsAnswer: () => RunStats | ReturnType<typeof reply> = () => stats()) {
  return new FakeApi()
    .on('GET /api/v1/queues', () => queues(5))
    .on('GET /api/v1/runs/stats', statsAnswer)
    .on('GET /api/v1/workflows', () => ({
      items: [workflowSummary(WORKFLOW_ID, 'Visa approved', { createdAt: deadRun.createdAt, updatedAt: deadRun.createdAt })],
      nextCursor: null,
    }));
}

describe('overview', () => {
  it('keeps the system health cards and shows each queue’s jobs and workers, live from queues.counts', async () => {
    const fake = api();
    const { events } = renderApp('/', { role: 'viewer', api: fake });
    const table = await screen.findByRole('table', { name: 'Jobs per queue and state, and workers online' });
    const critical = within(table).getByRole('row', { name: /critical/ });
    // Waiting counts prioritized jobs too.
    expect(within(critical).getAllByRole('cell').map((c) => c.textContent)).toEqual(['critical', '3', '3', '0', '1', '2']);
    const bulk = () => within(within(table).getByRole('row', { name: /bulk/ })).getAllByRole('cell').map((c) => c.textContent);
    expect(bulk()).toEqual(['bulk', '5', '0', '4', '0', '0']);
    expect(await screen.findAllByText('answered in 1 ms')).toHaveLength(2);

    await waitFor(() => expect(screen.getAllByRole('status')[0]!.textContent).toBe('Live'));
    act(() => events().emit('queues.counts', queues(120)));
    await waitFor(() => expect(bulk()).toEqual(['bulk', '120', '0', '4', '0', '0']));
    expect(fake.callsTo('GET /api/v1/queues')).toHaveLength(1);
    expect(fake.callsTo('GET /api/v1/queues')[0]!.headers.get('x-visapi-background')).toBe('1');
  });

  it('keeps the health cards and every queue’s row in place while their first answers are on the way', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const healthy: Health = { status: 'ok', checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 1 } } };
    const fake = api()
      .on('GET /api/v1/queues', () => held.then(() => queues(5)))
      .on('GET /healthz', () => held.then(() => healthy));
    renderApp('/', { role: 'viewer', api: fake });
    const loading = await screen.findByRole('table', { name: 'Jobs per queue and state, loading' });
    expect(within(loading).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual(QUEUE_NAMES.map((name) => `${name}—————`));
    expect(screen.getAllByText('Waiting for the first answer…')).toHaveLength(2);
    expect(screen.getByRole('heading', { name: 'System health' }).closest('section')!.getAttribute('aria-busy')).toBe('true');

    release();
    expect(await screen.findByRole('table', { name: 'Jobs per queue and state, and workers online' })).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Jobs per queue and state, loading' })).toBeNull();
    expect(await screen.findAllByText('answered in 1 ms')).toHaveLength(2);
    expect(screen.queryByText('Waiting for the first answer…')).toBeNull();
  });

  it('shows the last hour: success rate, latency percentiles, a chart with its numbers in words and a table, and recent failures', async () => {
    const fake = api();
    renderApp('/', { role: 'viewer', api: fake });
    expect(await screen.findByRole('heading', { name: 'Runs in the last hour' })).toBeTruthy();
    await screen.findByText('Success rate');
    const figure = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling!.textContent;
    expect(figure('Success rate')).toBe('97.6%');
    expect(figure('Latency p50')).toBe('850 ms');
    expect(figure('Latency p95')).toBe('12.3 s');
    expect(figure('Runs created')).toBe('42');
    expect(fake.callsTo('GET /api/v1/runs/stats')[0]!.query.get('minutes')).toBe('60');

    const caption = screen.getByText(/^Runs per minute, with their outcomes:/);
    expect(caption.textContent).toContain('42 runs created over 60 minutes (0.7 a minute)');
    expect(caption.textContent).toContain('40 succeeded, 2 failed attempts, 1 dead, 1 cancelled');
    expect(caption.textContent).toMatch(/busiest minute .* with 7 runs/);

    // The chart: hidden from screen readers, one column per minute, a bar per outcome that happened, a legend in words.
    const chart = caption.closest('figure')!.querySelector<HTMLElement>('[data-chart="runs"]')!;
    expect(chart.getAttribute('aria-hidden')).toBe('true');
    expect(chart.querySelectorAll('g[data-minute]')).toHaveLength(60);
    const bars = [...chart.querySelectorAll('rect[data-outcome]')].map((r) => `${r.closest('g')!.getAttribute('data-minute')} ${r.getAttribute('data-outcome')} ${r.getAttribute('height')}`);
    expect(bars).toEqual([
      '2026-11-30T10:01:00.000Z succeeded 5',
      '2026-11-30T10:01:00.000Z failed 2',
      '2026-11-30T10:01:00.000Z dead 1',
      '2026-11-30T10:02:00.000Z succeeded 3',
    ]);
    expect(chart.querySelector('g[data-minute="2026-11-30T10:01:00.000Z"] title')!.textContent).toMatch(/: 7 created, 5 succeeded, 2 failed attempts, 1 dead, 0 cancelled$/);
    expect([...chart.querySelectorAll('[data-chart-legend] span:last-child')].map((l) => l.textContent)).toEqual(['Created (line)', 'Succeeded', 'Failed attempts', 'Dead', 'Cancelled']);
    // The busiest minute (8 runs stacked) sets the y axis' top.
    expect(within(chart).getByText('8')).toBeTruthy();

    const toggle = screen.getByRole('button', { name: 'Show the numbers per minute' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const perMinute = screen.getByRole('table', { name: 'Runs per minute, minutes with activity only' });
    expect(within(perMinute).getAllByRole('row')).toHaveLength(3);

    const failures = screen.getByRole('table', { name: 'The newest dead or failed runs' });
    const link = within(failures).getByRole('link', { name: DEAD_RUN.slice(0, 8) });
    expect(link.getAttribute('href')).toBe(`/runs/${DEAD_RUN}`);
    await waitFor(() => expect(within(failures).getByText('Visa approved')).toBeTruthy());
    expect(within(failures).getByText('permanent: partner answered 404')).toBeTruthy();
  });

  it('refetches the stats in the background on run events, at most once per 5 s', async () => {
    let succeeded = 40;
    const fake = api(() => stats(succeeded));
    const { events } = renderApp('/', { role: 'viewer', api: fake });
    await screen.findByText('Success rate');
    await waitFor(() => expect(screen.getAllByRole('status')[0]!.textContent).toBe('Live'));
    expect(fake.callsTo('GET /api/v1/runs/stats')).toHaveLength(1);

    succeeded = 41;
    act(() => events().emit('run.updated', { ...deadRun, status: 'succeeded', error: null }));
    await waitFor(() => expect(fake.callsTo('GET /api/v1/runs/stats')).toHaveLength(2));
    await waitFor(() => expect(screen.getByText('41 succeeded, 1 dead')).toBeTruthy());
    act(() => events().emit('run.created', deadRun));
    act(() => events().emit('run.updated', deadRun));
    expect(fake.callsTo('GET /api/v1/runs/stats')).toHaveLength(2);
    // The events in between are folded into one refetch at the end of the 5 s.
    await waitFor(() => expect(fake.callsTo('GET /api/v1/runs/stats')).toHaveLength(3), { timeout: 8_000 });
    expect(fake.callsTo('GET /api/v1/runs/stats').every((c) => c.headers.get('x-visapi-background') === '1')).toBe(true);
  });

  it('says when nothing finished, and when the stats or the queues cannot be loaded', async () => {
    const quiet: RunStats = { ...stats(0), buckets: [minute(0)], totals: { created: 0, succeeded: 0, dead: 0, cancelled: 0, failed: 0, successRate: null }, latencyMs: { p50: null, p95: null, count: 0 }, recentFailures: [] };
    renderApp('/', { role: 'viewer', api: api(() => quiet) });
    await screen.findByText('Success rate');
    expect(screen.getByText('Success rate', { selector: 'dt' }).nextElementSibling!.textContent).toBe('—');
    expect(screen.getByText('No failures in this window.')).toBeTruthy();

    const broken = api(() => reply(503, problem(503, 'Service Unavailable', 'The database does not answer.'))).on('GET /api/v1/queues', () =>
      reply(503, problem(503, 'Service Unavailable', 'Redis does not answer: connect ECONNREFUSED')),
    );
    renderApp('/', { role: 'viewer', api: broken });
    expect(await screen.findByText('Cannot load run statistics')).toBeTruthy();
    expect(screen.getByText('The database does not answer.')).toBeTruthy();
    expect(screen.getByText('Cannot load the queues')).toBeTruthy();
    expect(screen.getByText('Redis does not answer: connect ECONNREFUSED')).toBeTruthy();
  });
});
