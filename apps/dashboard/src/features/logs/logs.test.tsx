import { act, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { LogEntry } from '@visapi/contracts';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi, problem, reply, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// Lazy page chunks load slowly on a busy machine.
configure({ asyncUtilTimeout: 4_000 });

const workflowId = '0460c1fa-e996-46d1-8dee-f9fb40183ab8';
const otherWorkflowId = '9a1c3e5f-7b2d-4c6e-8f0a-1b2c3d4e5f60';
const runId = '5b0f2d4e-8a4c-4f5e-9d3b-0c1a2b3c4d5e';
const actorId = '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01';

const workflow = (id: string, name: string) => workflowSummary(id, name);

/** A log row; a higher id is a later row. */
function log(id: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id: String(id),
    level: 'info',
    message: `row ${id}`,
    workflowId,
    runId,
    jobId: null,
    actorId: null,
    payload: null,
    piiRedacted: true,
    createdAt: new Date(Date.UTC(2026, 10, 30, 10, 0, id)).toISOString(),
    ...overrides,
  };
}

/** The API with two workflows and the logs a handler gives. */
function apiWith(logs: (query: URLSearchParams) => { items: LogEntry[]; nextCursor: string | null }) {
  return new FakeApi()
    .on('GET /api/v1/workflows', () => ({ items: [workflow(workflowId, 'Partner status'), workflow(otherWorkflowId, 'Visa approved')], nextCursor: null }))
    .on('GET /api/v1/logs', ({ query }) => logs(query));
}

/** The app's router (TanStack Router keeps its last router on `self` in a browser) and its current URL. */
const router = () => (globalThis as unknown as { __TSR_ROUTER__: { state: { location: { href: string } }; history: { back: () => void } } }).__TSR_ROUTER__;
const currentUrl = () => new URL(router().state.location.href, 'http://x');

const logCalls = (api: FakeApi) => api.callsTo('GET /api/v1/logs').map((c) => c.query);
const lastLogCall = (api: FakeApi) => logCalls(api).at(-1)!;
const rowTexts = () => screen.getAllByRole('row').slice(1).map((row) => within(row).getAllByRole('cell')[2]!.textContent);

describe('logs explorer', { timeout: 15_000 }, () => {
  it('lists rows with time, level, message, workflow, run link and actor; a row opens to show its redacted payload', async () => {
    const api = apiWith(() => ({
      items: [log(2, { level: 'error', message: 'Step notify failed', actorId, payload: { phone: '+972****4567', status: 500 } }), log(1, { workflowId: null, runId: null })],
      nextCursor: null,
    }));
    renderApp('/logs', { role: 'viewer', api });

    expect(await screen.findByText('Step notify failed')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Logs', level: 2 })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Log rows, newest first' })).toBeTruthy();
    const row = screen.getByText('Step notify failed').closest('tr')!;
    expect(within(row).getByText('error')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'Partner status' }).getAttribute('href')).toBe(`/workflows/${workflowId}`);
    expect(within(row).getByRole('link', { name: `Run ${runId}` }).getAttribute('href')).toBe(`/runs/${runId}`);
    expect(within(row).getByText(actorId.slice(0, 8))).toBeTruthy();
    expect(within(row).getByRole('time').getAttribute('datetime')).toBe(log(2).createdAt);

    const show = within(row).getByRole('button', { name: 'Show payload' });
    expect(show.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(show);
    const hide = within(row).getByRole('button', { name: 'Hide payload' });
    expect(hide.getAttribute('aria-expanded')).toBe('true');
    const payload = document.getElementById(hide.getAttribute('aria-controls')!)!;
    expect(JSON.parse(payload.querySelector('pre')!.textContent!)).toEqual({ phone: '+972****4567', status: 500 });
    expect(within(payload).getByText(/Personal data redacted/)).toBeTruthy();
    // A row without a payload has nothing to open.
    expect(within(screen.getByText('row 1').closest('tr')!).queryByRole('button')).toBeNull();
    // Opening the page is the user's doing: it keeps the session alive (refetches are background).
    expect(api.callsTo('GET /api/v1/logs')[0]!.headers.get('x-visapi-background')).toBeNull();
  });

  it('puts every filter in the URL and the query string; typed ones after a pause, invalid ones not at all', async () => {
    const api = apiWith(() => ({ items: [log(1)], nextCursor: null }));
    renderApp('/logs', { role: 'viewer', api });
    await screen.findByText('row 1');
    await waitFor(() => expect(screen.getByText('Visa approved', { selector: 'option' })).toBeTruthy());

    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } });
    await waitFor(() => expect(lastLogCall(api).get('level')).toBe('error'));
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: otherWorkflowId } });
    await waitFor(() => expect(lastLogCall(api).get('workflowId')).toBe(otherWorkflowId));

    fireEvent.change(screen.getByLabelText('Message contains'), { target: { value: '  Stripe timeout ' } });
    await waitFor(() => expect(lastLogCall(api).get('q')).toBe('Stripe timeout'));

    const runInput = screen.getByLabelText('Run ID');
    fireEvent.change(runInput, { target: { value: 'not-a-run' } });
    expect(await screen.findByText(/Run ID must be a UUID/)).toBeTruthy();
    expect(runInput.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(runInput, { target: { value: runId } });
    await waitFor(() => expect(lastLogCall(api).get('runId')).toBe(runId));
    expect(screen.queryByText(/Run ID must be a UUID/)).toBeNull();
    expect(logCalls(api).some((q) => q.get('runId') === 'not-a-run')).toBe(false);

    fireEvent.change(screen.getByLabelText(/Actor ID/), { target: { value: actorId } });
    await waitFor(() => expect(lastLogCall(api).get('actorId')).toBe(actorId));

    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-11-30T10:00' } });
    const from = new Date('2026-11-30T10:00').toISOString();
    await waitFor(() => expect(lastLogCall(api).get('from')).toBe(from));
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-11-30T09:00' } });
    expect(await screen.findByText('Must be after From')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-11-30T11:30' } });
    const to = new Date('2026-11-30T11:30').toISOString();
    await waitFor(() => expect(lastLogCall(api).get('to')).toBe(to));

    const url = currentUrl();
    expect(url.pathname).toBe('/logs');
    expect(Object.fromEntries(url.searchParams)).toEqual({ level: 'error', workflowId: otherWorkflowId, q: 'Stripe timeout', runId, actorId, from, to });
    expect(Object.fromEntries(lastLogCall(api))).toEqual({ level: 'error', workflowId: otherWorkflowId, q: 'Stripe timeout', runId, actorId, from, to, limit: '50' });

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    // The unfiltered list may come from the cache (it was the first page shown): the URL says it.
    await waitFor(() => expect(currentUrl().search).toBe(''));
    expect(logCalls(api).every((q) => q.get('runId') !== 'not-a-run')).toBe(true);
    expect((screen.getByLabelText('Run ID') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Level') as HTMLSelectElement).value).toBe('');
  });

  it('a typed value still waiting for its pause is dropped when the URL changes from outside (Back)', async () => {
    const api = apiWith(() => ({ items: [log(1)], nextCursor: null }));
    renderApp('/logs?q=stripe', { role: 'viewer', api });
    await screen.findByText('row 1');
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } }); // a new history entry
    await waitFor(() => expect(currentUrl().searchParams.get('level')).toBe('error'));
    fireEvent.change(screen.getByLabelText('Message contains'), { target: { value: 'stripe time' } });
    await waitFor(() => expect(currentUrl().searchParams.get('q')).toBe('stripe time')); // typed: replaces the entry
    vi.useFakeTimers();
    try {
      fireEvent.change(screen.getByLabelText('Message contains'), { target: { value: 'stripe timeout' } });
      act(() => router().history.back());
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1_000);
      });
    } finally {
      vi.useRealTimers();
    }
    await waitFor(() => expect(currentUrl().searchParams.get('level')).toBeNull());
    expect(Object.fromEntries(currentUrl().searchParams)).toEqual({ q: 'stripe' });
    expect((screen.getByLabelText('Message contains') as HTMLInputElement).value).toBe('stripe');
    expect(logCalls(api).some((q) => q.get('q') === 'stripe timeout')).toBe(false);
  });

  it('a URL with filters fills the inputs and asks for them; invalid URL values are dropped', async () => {
    const from = '2026-11-30T08:00:00.000Z';
    const api = apiWith(() => ({ items: [], nextCursor: null }));
    renderApp(`/logs?level=warn&workflowId=${workflowId}&q=stripe&runId=${runId}&actorId=nope&from=${from}`, { role: 'viewer', api });

    expect(await screen.findByText('No log rows match these filters.')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Partner status', { selector: 'option' })).toBeTruthy());
    expect((screen.getByLabelText('Level') as HTMLSelectElement).value).toBe('warn');
    expect((screen.getByLabelText('Workflow') as HTMLSelectElement).value).toBe(workflowId);
    expect((screen.getByLabelText('Message contains') as HTMLInputElement).value).toBe('stripe');
    expect((screen.getByLabelText('Run ID') as HTMLInputElement).value).toBe(runId);
    expect((screen.getByLabelText(/Actor ID/) as HTMLInputElement).value).toBe('');
    expect(new Date((screen.getByLabelText('From') as HTMLInputElement).value).toISOString()).toBe(from);
    expect(Object.fromEntries(logCalls(api)[0]!)).toEqual({ level: 'warn', workflowId, q: 'stripe', runId, from, limit: '50' });
  });

  it('loads older rows with the cursor', async () => {
    const api = apiWith((query) =>
      query.get('cursor') === 'page-2' ? { items: [log(1, { message: 'the oldest row' })], nextCursor: null } : { items: [log(3), log(2)], nextCursor: 'page-2' },
    );
    renderApp('/logs?level=info', { role: 'viewer', api });
    await screen.findByText('row 3');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('the oldest row')).toBeTruthy();
    expect(Object.fromEntries(lastLogCall(api))).toEqual({ level: 'info', limit: '50', cursor: 'page-2' });
    expect(rowTexts()).toEqual(['row 3', 'row 2', 'the oldest row']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows the server’s refusal', async () => {
    const api = apiWith(() => ({ items: [], nextCursor: null })).on('GET /api/v1/logs', () => reply(403, problem(403, 'Forbidden', 'This key lacks the read_logs scope.')));
    renderApp('/logs', { role: 'viewer', api });
    expect(await screen.findByText('This key lacks the read_logs scope.')).toBeTruthy();
    expect(screen.getByText('Cannot load the logs')).toBeTruthy();
  });
});

describe('live tail', { timeout: 15_000 }, () => {
  it('is off until turned on; then catches up from the newest row shown and adds matching live rows only', async () => {
    const api = apiWith((query) => (query.get('sinceId') ? { items: [log(11, { level: 'error', message: 'written while the tail was off' })], nextCursor: null } : { items: [log(10, { level: 'error' })], nextCursor: null }));
    const { events } = renderApp('/logs?level=error&q=ROW', { role: 'viewer', api });
    const toggle = await screen.findByRole('button', { name: 'Live tail' });
    await screen.findByText('row 10');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');

    act(() => events().emit('log.created', log(12, { level: 'error' })));
    expect(screen.queryByText('row 12')).toBeNull();

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await screen.findByText('written while the tail was off')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Live');
    const catchUp = api.callsTo('GET /api/v1/logs').find((c) => c.query.has('sinceId'))!;
    expect(Object.fromEntries(catchUp.query)).toEqual({ level: 'error', q: 'ROW', sinceId: '10', limit: '200' });
    expect(catchUp.headers.get('x-visapi-background')).toBe('1');

    act(() => {
      events().emit('log.created', log(13, { level: 'error', message: 'a matching row' }));
      events().emit('log.created', log(14, { level: 'info', message: 'a row at another level' }));
      events().emit('log.created', log(15, { level: 'error', message: 'does not contain the text' }));
      events().emit('log.created', log(16, { level: 'error', message: 'another matching row' }));
    });
    expect(await screen.findByText('another matching row')).toBeTruthy();
    expect(screen.queryByText('a row at another level')).toBeNull();
    expect(screen.queryByText('does not contain the text')).toBeNull();
    expect(rowTexts()).toEqual(['another matching row', 'a matching row', 'written while the tail was off', 'row 10']);
    expect(screen.getByRole('table', { name: 'Log rows, newest first, updated live' })).toBeTruthy();

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    expect(screen.queryByRole('status')).toBeNull();
    act(() => events().emit('log.created', log(17, { level: 'error', message: 'a row after the tail stopped' })));
    expect(screen.queryByText('a row after the tail stopped')).toBeNull();
  });

  it('applies the run, workflow, actor and time filters to live rows too', async () => {
    const from = '2026-11-30T10:00:00.000Z';
    const to = '2026-11-30T11:00:00.000Z';
    const api = apiWith(() => ({ items: [], nextCursor: null }));
    const { events } = renderApp(`/logs?runId=${runId}&workflowId=${workflowId}&actorId=${actorId}&from=${from}&to=${to}`, { role: 'viewer', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Live tail' }));
    await screen.findByText('Live');
    const at = '2026-11-30T10:30:00.000Z';
    act(() => {
      events().emit('log.created', log(1, { actorId, createdAt: at, message: 'kept' }));
      events().emit('log.created', log(2, { actorId, createdAt: at, runId: null, message: 'another run' }));
      events().emit('log.created', log(3, { actorId, createdAt: at, workflowId: otherWorkflowId, message: 'another workflow' }));
      events().emit('log.created', log(4, { actorId: null, createdAt: at, message: 'no actor' }));
      events().emit('log.created', log(5, { actorId, createdAt: to, message: 'too late' }));
    });
    expect(await screen.findByText('kept')).toBeTruthy();
    expect(rowTexts()).toEqual(['kept']);
  });

  it('catches up after the stream reconnects, from the newest row shown, live ones included', async () => {
    const api = apiWith((query) => {
      const since = query.get('sinceId');
      if (since === '21') return { items: [log(23, { message: 'missed during the outage' }), log(22, { message: 'also missed' })], nextCursor: null };
      if (since) return { items: [], nextCursor: null };
      return { items: [log(20)], nextCursor: null };
    });
    const { events } = renderApp('/logs', { role: 'viewer', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Live tail' }));
    await waitFor(() => expect(logCalls(api).some((q) => q.get('sinceId') === '20')).toBe(true));
    act(() => events().emit('log.created', log(21, { message: 'live before the outage' })));
    await screen.findByText('live before the outage');

    const source = events();
    act(() => source.onerror?.(new Event('error')));
    expect(screen.getByRole('status').textContent).toBe('Reconnecting…');
    act(() => source.onopen?.(new Event('open')));
    expect(await screen.findByText('missed during the outage')).toBeTruthy();
    expect(rowTexts()).toEqual(['missed during the outage', 'also missed', 'live before the outage', 'row 20']);
    expect(screen.getByRole('status').textContent).toBe('Live');
  });

  it('says so when the catch-up is refused', async () => {
    const api = apiWith(() => ({ items: [log(5)], nextCursor: null }));
    const { events } = renderApp('/logs', { role: 'viewer', api });
    await screen.findByText('row 5');
    api.on('GET /api/v1/logs', () => reply(400, problem(400, 'Bad Request', 'sinceId must be a log id')));
    fireEvent.click(screen.getByRole('button', { name: 'Live tail' }));
    expect(await screen.findByText('sinceId must be a log id')).toBeTruthy();
    expect(screen.getByText('The live tail could not fetch what it missed')).toBeTruthy();
    // The rows shown stay, and live rows still arrive.
    act(() => events().emit('log.created', log(6)));
    expect(await screen.findByText('row 6')).toBeTruthy();
    expect(screen.getByText('row 5')).toBeTruthy();
  });
});
