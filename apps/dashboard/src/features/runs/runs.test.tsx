import { act, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Run, RunSummary, Workflow } from '@visapi/contracts';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi, problem, reply, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// The first visit of a lazy page compiles its chunk, which takes a while under test on a busy machine.
configure({ asyncUtilTimeout: 5_000 });
vi.setConfig({ testTimeout: 30_000 });

const WORKFLOW_ID = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c01';
const OTHER_WORKFLOW_ID = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c02';
const runId = (n: number) => `7d3e9a10-0000-4000-8000-${String(n).padStart(12, '0')}`;

const workflowOf = (id: string, name: string) => workflowSummary(id, name, { version: '1.2.0', createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z' });

const workflow: Workflow = {
  ...workflowSummary(WORKFLOW_ID, 'Visa approved'),
  webhooks: [],
  definition: {
    name: 'Visa approved',
    version: '1.2.0',
    enabled: true,
    priority: 'default',
    steps: [
      { id: 'lookup', type: 'http.request', config: {}, retries: 3, timeout: 30_000 },
      { id: 'notify', type: 'whatsapp.send', config: {}, retries: 3, timeout: 30_000, forEach: 'input.applicants' },
      { id: 'archive', type: 'http.request', config: {}, retries: 3, timeout: 30_000 },
    ],
  },
};

function summary(n: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: runId(n),
    workflowId: WORKFLOW_ID,
    workflowVersion: '1.2.0',
    status: 'succeeded',
    trigger: { type: 'webhook', key: 'visa-approved' },
    requestId: null,
    attempts: 1,
    createdAt: `2026-11-30T10:${String(n).padStart(2, '0')}:00.000Z`,
    startedAt: `2026-11-30T10:${String(n).padStart(2, '0')}:01.000Z`,
    finishedAt: `2026-11-30T10:${String(n).padStart(2, '0')}:03.500Z`,
    error: null,
    ...over,
  };
}

/** The app's current URL (TanStack Router keeps its router on `self` in a browser). */
const currentUrl = () => new URL((globalThis as unknown as { __TSR_ROUTER__: { state: { location: { href: string } } } }).__TSR_ROUTER__.state.location.href, 'http://x');

function apiWith(runs: RunSummary[]) {
  return new FakeApi()
    .on('GET /api/v1/workflows', () => ({ items: [workflowOf(WORKFLOW_ID, 'Visa approved'), workflowOf(OTHER_WORKFLOW_ID, 'Partner status')], nextCursor: null }))
    .on('GET /api/v1/runs', () => ({ items: runs, nextCursor: null }));
}

const rows = () => screen.getAllByRole('row').slice(1);

describe('runs list', () => {
  it('lists runs with their workflow, status, trigger, creation and duration, each linking to its run', async () => {
    renderApp('/runs', { role: 'viewer', api: apiWith([summary(2), summary(1, { status: 'dead', trigger: { type: 'manual' }, finishedAt: '2026-11-30T10:03:01.000Z' })]) });
    const link = await screen.findByRole('link', { name: `Run ${runId(2)}` });
    expect(link.getAttribute('href')).toBe(`/runs/${runId(2)}`);
    expect(screen.getByRole('table', { name: 'Runs, newest first' })).toBeTruthy();
    const [first, second] = rows();
    expect(within(first!).getByText('Visa approved')).toBeTruthy();
    expect(within(first!).getByText('webhook')).toBeTruthy();
    expect(within(first!).getByText('2.50 s')).toBeTruthy();
    expect(within(second!).getByText('dead')).toBeTruthy();
    expect(within(second!).getByText('manual')).toBeTruthy();
  });

  it('takes its filters from the URL to the query string, drops invalid ones, and shows them in the inputs', async () => {
    const { api } = renderApp(`/runs?status=dead&workflowId=${WORKFLOW_ID}&triggerType=cron&from=2026-11-30T10:00:00.000Z&limit=5&cursor=x`, { role: 'viewer', api: apiWith([]) });
    expect(await screen.findByText('No run matches these filters.')).toBeTruthy();
    const query = api.callsTo('GET /api/v1/runs')[0]!.query;
    expect(Object.fromEntries(query)).toEqual({ status: 'dead', workflowId: WORKFLOW_ID, triggerType: 'cron', from: '2026-11-30T10:00:00.000Z', limit: '50' });
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Workflow' }) as HTMLSelectElement).value).toBe(WORKFLOW_ID));
    expect(screen.getByRole('option', { name: 'Visa approved', selected: true })).toBeTruthy();
    expect((screen.getByRole('combobox', { name: 'Status' }) as HTMLSelectElement).value).toBe('dead');
    expect((screen.getByRole('combobox', { name: 'Trigger' }) as HTMLSelectElement).value).toBe('cron');

    const { api: second } = renderApp('/runs?status=exploded&workflowId=nope', { role: 'viewer', api: apiWith([]) });
    await waitFor(() => expect(second.callsTo('GET /api/v1/runs')).toHaveLength(1));
    expect(Object.fromEntries(second.callsTo('GET /api/v1/runs')[0]!.query)).toEqual({ limit: '50' });
  });

  it('puts a chosen filter in the URL and asks the API again; Clear filters removes them all', async () => {
    const { api } = renderApp('/runs', { role: 'viewer', api: apiWith([summary(1)]) });
    await screen.findByRole('link', { name: `Run ${runId(1)}` });

    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'failed' } });
    await waitFor(() => expect(currentUrl().searchParams.get('status')).toBe('failed'));
    await waitFor(() => expect(api.callsTo('GET /api/v1/runs').at(-1)!.query.get('status')).toBe('failed'));

    fireEvent.change(screen.getByRole('combobox', { name: 'Trigger' }), { target: { value: 'replay' } });
    await waitFor(() => expect(api.callsTo('GET /api/v1/runs').at(-1)!.query.get('triggerType')).toBe('replay'));

    fireEvent.change(screen.getByLabelText('Created from'), { target: { value: '2026-11-30T09:30' } });
    const from = new Date('2026-11-30T09:30').toISOString();
    await waitFor(() => expect(currentUrl().searchParams.get('from')).toBe(from));
    expect(api.callsTo('GET /api/v1/runs').at(-1)!.query.get('from')).toBe(from);
    expect(Object.fromEntries(currentUrl().searchParams)).toEqual({ status: 'failed', triggerType: 'replay', from });

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(currentUrl().search).toBe(''));
    expect((screen.getByRole('combobox', { name: 'Status' }) as HTMLSelectElement).value).toBe('');
    expect((screen.getByLabelText('Created from') as HTMLInputElement).value).toBe('');
    // The unfiltered list is the one first loaded (still fresh in the cache).
    expect(await screen.findByRole('link', { name: `Run ${runId(1)}` })).toBeTruthy();
  });

  it('pages with the cursor the server gave', async () => {
    const api = apiWith([]).on('GET /api/v1/runs', ({ query }) =>
      query.get('cursor') === 'page-2' ? { items: [summary(1)], nextCursor: null } : { items: [summary(2)], nextCursor: 'page-2' },
    );
    renderApp('/runs', { role: 'viewer', api });
    await screen.findByRole('link', { name: `Run ${runId(2)}` });
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: `Run ${runId(1)}` })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows a new run at the top when it matches the filters, changes a run in place, and says it is live', async () => {
    const { api, events } = renderApp(`/runs?workflowId=${WORKFLOW_ID}`, { role: 'viewer', api: apiWith([summary(2, { status: 'running', finishedAt: null }), summary(1)]) });
    await screen.findByRole('link', { name: `Run ${runId(2)}` });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Live'));

    act(() => events().emit('run.created', summary(3, { status: 'queued', startedAt: null, finishedAt: null })));
    act(() => events().emit('run.created', summary(4, { workflowId: OTHER_WORKFLOW_ID })));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(within(rows()[0]!).getByRole('link').textContent).toBe(runId(3).slice(0, 8));
    expect(screen.queryByRole('link', { name: `Run ${runId(4)}` })).toBeNull();

    act(() => events().emit('run.updated', summary(2, { status: 'dead', finishedAt: '2026-11-30T10:02:09.000Z' })));
    await waitFor(() => expect(within(rows()[1]!).getByText('dead')).toBeTruthy());
    expect(within(rows()[1]!).getByText('8.00 s')).toBeTruthy();
    // Live changes come from the events, not from asking the API again.
    expect(api.callsTo('GET /api/v1/runs')).toHaveLength(1);
  });

  it('a run that stops matching the status filter leaves the list', async () => {
    const { events } = renderApp('/runs?status=running', { role: 'viewer', api: apiWith([summary(2, { status: 'running', finishedAt: null }), summary(1, { status: 'running', finishedAt: null })]) });
    await screen.findByRole('link', { name: `Run ${runId(2)}` });
    act(() => events().emit('run.updated', summary(2, { status: 'succeeded' })));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByRole('link', { name: `Run ${runId(2)}` })).toBeNull();
    expect(screen.getByRole('link', { name: `Run ${runId(1)}` })).toBeTruthy();
  });

  it('says so when there are no runs, and when they cannot be loaded', async () => {
    renderApp('/runs', { role: 'viewer', api: apiWith([]) });
    expect(await screen.findByText('No runs yet.')).toBeTruthy();
    const failing = apiWith([]).on('GET /api/v1/runs', () => reply(503, problem(503, 'Service Unavailable', 'The database does not answer.')));
    renderApp('/runs', { role: 'viewer', api: failing });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot load runs');
    expect(alert.textContent).toContain('The database does not answer.');
  });
});

const detail = (over: Partial<Run> = {}): Run => ({
  ...summary(7, {
    status: 'dead',
    attempts: 2,
    trigger: { type: 'manual', actorId: 'ops@visa.example' },
    error: { class: 'permanent', message: 'archive answered 404', stepId: 'archive' },
  }),
  input: { applicants: [{ name: 'Dana', phone: '+97250•••••67' }] },
  steps: [
    { id: 'lookup', type: 'http.request', status: 'succeeded', attempts: 1, startedAt: '2026-11-30T10:07:01.000Z', finishedAt: '2026-11-30T10:07:01.250Z', output: { status: 200, body: { ok: true } }, error: null },
    {
      id: 'notify',
      type: 'whatsapp.send',
      status: 'succeeded',
      attempts: 2,
      startedAt: '2026-11-30T10:07:01.300Z',
      finishedAt: '2026-11-30T10:07:02.000Z',
      output: [{ messageId: 'wamid.1' }, { messageId: 'wamid.2' }],
      error: null,
    },
    { id: 'archive', type: 'http.request', status: 'failed', attempts: 2, startedAt: '2026-11-30T10:07:02.000Z', finishedAt: '2026-11-30T10:07:03.500Z', output: null, error: { class: 'permanent', message: 'archive answered 404' } },
  ],
  ...over,
});

function detailApi(run: Run) {
  return new FakeApi().on('GET /api/v1/runs/:id', () => run).on('GET /api/v1/workflows/:id', () => workflow);
}

describe('run detail', () => {
  it('shows the header, the redacted input, every step with attempts, timings, errors and forEach items, and links to its logs', async () => {
    renderApp(`/runs/${runId(7)}`, { role: 'viewer', api: detailApi(detail()) });
    expect(await screen.findByRole('link', { name: 'Visa approved' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Visa approved' }).getAttribute('href')).toBe(`/workflows/${WORKFLOW_ID}`);
    expect(screen.getByLabelText('Run status: dead')).toBeTruthy();
    expect(screen.getByText('1.2.0')).toBeTruthy();
    expect(screen.getByText('manual, by ops@visa.example')).toBeTruthy();
    expect(screen.getByText('Run error (permanent) in step archive')).toBeTruthy();
    expect(screen.getByRole('link', { name: "The run's logs" }).getAttribute('href')).toBe(`/logs?runId=${runId(7)}`);
    expect(screen.getByText(/"phone": "\+97250•••••67"/)).toBeTruthy();

    const steps = screen.getAllByRole('heading', { level: 4 }).map((h) => h.textContent);
    expect(steps).toEqual(['lookup', 'notify', 'archive']);
    expect(screen.getByLabelText('Step archive: failed')).toBeTruthy();
    expect(screen.getByText('Error (permanent)')).toBeTruthy();
    expect(screen.getByText(/2 attempts · started .* · took 1.50 s/, { selector: 'p' })).toBeTruthy();
    const items = screen.getByRole('table', { name: 'Items of step notify, each with its output' });
    expect(within(items).getAllByRole('row')).toHaveLength(3);
    expect(within(items).getByText('{"messageId":"wamid.2"}')).toBeTruthy();
    expect(screen.getByText(/"ok": true/)).toBeTruthy();
  });

  it('offers no retry or cancel to a viewer', async () => {
    renderApp(`/runs/${runId(7)}`, { role: 'viewer', api: detailApi(detail()) });
    await screen.findByRole('link', { name: 'Visa approved' });
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('lets an operator retry a dead run, and shows the 409 when the run has moved on', async () => {
    const api = detailApi(detail()).on('POST /api/v1/runs/:id/retry', () => reply(409, problem(409, 'Conflict', 'The run is running; only dead, cancelled or failed runs can be retried.')));
    renderApp(`/runs/${runId(7)}`, { role: 'operator', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('The run is running; only dead, cancelled or failed runs can be retried.')).toBeTruthy();
    expect(screen.getByText('Cannot retry this run')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/runs/:id/retry')[0]!.path).toBe(`/api/v1/runs/${runId(7)}/retry`);
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();

    api.on('POST /api/v1/runs/:id/retry', ({ params }) => reply(202, { runId: params.id!, workflowId: WORKFLOW_ID, status: 'queued', statusUrl: `/api/v1/runs/${params.id}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Retry queued: the run resumes at its first unfinished step.')).toBeTruthy();
  });

  it('asks before cancelling; Keep it sends nothing, Cancel run does, and a 409 is shown', async () => {
    const running = detail({ status: 'running', error: null, finishedAt: null });
    let current = running;
    const api = detailApi(running).on('GET /api/v1/runs/:id', () => current).on('POST /api/v1/runs/:id/cancel', () => reply(409, problem(409, 'Conflict', 'The run has already finished.')));
    renderApp(`/runs/${runId(7)}`, { role: 'operator', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    const dialog = await screen.findByRole('dialog', { name: 'Cancel run 7d3e9a10?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsTo('POST /api/v1/runs/:id/cancel')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel run' }));
    expect(await screen.findByText('The run has already finished.')).toBeTruthy();
    expect(screen.getByText('Cannot cancel this run')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsTo('POST /api/v1/runs/:id/cancel')).toHaveLength(1);

    api.on('POST /api/v1/runs/:id/cancel', () => (current = { ...running, status: 'cancelled', error: { class: 'cancelled', message: 'cancelled by operator@visa.example' } }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel run' }));
    expect(await screen.findByLabelText('Run status: cancelled')).toBeTruthy();
  });

  it('follows the run: its run.updated event refetches it, other runs’ events do not', async () => {
    let current = detail({ status: 'running', error: null, finishedAt: null });
    const api = detailApi(current).on('GET /api/v1/runs/:id', () => current);
    const { events } = renderApp(`/runs/${runId(7)}`, { role: 'viewer', api });
    expect(await screen.findByLabelText('Run status: running')).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Live'));

    act(() => events().emit('run.updated', summary(8, { status: 'dead' })));
    current = detail({ status: 'succeeded', error: null });
    act(() => events().emit('run.updated', summary(7, { status: 'succeeded' })));
    expect(await screen.findByLabelText('Run status: succeeded')).toBeTruthy();
    await waitFor(() => expect(api.callsTo('GET /api/v1/runs/:id')).toHaveLength(2));
    await waitFor(() => expect(screen.queryByText('Run error (permanent) in step archive')).toBeNull());
    // The first load is the user's; the refetch is background (it does not extend an idle session).
    expect(api.callsTo('GET /api/v1/runs/:id').map((c) => c.headers.get('x-visapi-background'))).toEqual([null, '1']);
  });

  it('asks for an unfinished run again every 5 s while the event stream is down', async () => {
    let current = detail({ status: 'running', error: null, finishedAt: null });
    const api = detailApi(current).on('GET /api/v1/runs/:id', () => current);
    const { events } = renderApp(`/runs/${runId(7)}`, { role: 'viewer', api });
    expect(await screen.findByLabelText('Run status: running')).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Live'));
    act(() => {
      events().readyState = 2;
      events().onerror?.(new Event('error'));
    });
    expect(screen.getByRole('status').textContent).toBe('Not live');
    current = detail({ status: 'succeeded', error: null });
    expect(await screen.findByLabelText('Run status: succeeded', {}, { timeout: 8_000 })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/runs/:id')).toHaveLength(2);
  });

  it('says when the run does not exist', async () => {
    const api = new FakeApi().on('GET /api/v1/runs/:id', () => reply(404, problem(404, 'Not Found', 'No run has this id.')));
    renderApp(`/runs/${runId(9)}`, { role: 'viewer', api });
    expect((await screen.findByRole('alert')).textContent).toContain('No run has this id.');
  });
});

describe('run detail: files a step produced (issue 12)', () => {
  const LETTER_KEY = 'pdf/2026-11-30/0f6c2a51-3b7e-4f0e-9a51-6b0c9f1d2e3a.pdf';
  const FRESH = `/files/${LETTER_KEY}?expires=1796000000&sig=fresh-signature`;
  const withLetter = () =>
    detail({
      status: 'succeeded',
      error: null,
      steps: [
        { id: 'letter', type: 'pdf.generate', status: 'succeeded', attempts: 1, startedAt: '2026-11-30T10:07:01.000Z', finishedAt: '2026-11-30T10:07:01.400Z', output: { url: '[redacted]', key: LETTER_KEY, bytes: 18_234, pages: 1, expiresAt: '2026-12-01T10:07:01.400Z' }, error: null },
        { id: 'notify', type: 'whatsapp.send', status: 'succeeded', attempts: 1, startedAt: '2026-11-30T10:07:01.500Z', finishedAt: '2026-11-30T10:07:02.000Z', output: [{ messageId: 'wamid.1' }], error: null },
      ],
    });

  it('a step output with a storage key offers "Open file": a fresh link from the API, opened in a new tab; the output’s link stays redacted', async () => {
    const opened = vi.spyOn(window, 'open').mockImplementation(() => null);
    let answer: (link: { url: string; expiresAt: string }) => void = () => {};
    const api = detailApi(withLetter()).on('POST /api/v1/files/links', () => new Promise((resolve) => (answer = resolve)));
    renderApp(`/runs/${runId(7)}`, { role: 'viewer', api });
    const button = await screen.findByRole('button', { name: 'Open file (step letter)' });
    expect(screen.getAllByRole('button', { name: /^Open file/ })).toHaveLength(1); // not for the WhatsApp items
    expect(screen.getByText(/"url": "\[redacted\]"/)).toBeTruthy();

    fireEvent.click(button);
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    expect(api.callsTo('POST /api/v1/files/links').map((c) => c.body)).toEqual([{ key: LETTER_KEY }]);
    act(() => answer({ url: FRESH, expiresAt: '2026-11-30T10:12:01.000Z' }));
    await waitFor(() => expect(opened).toHaveBeenCalledWith(FRESH, '_blank', 'noopener,noreferrer'));
    expect((button as HTMLButtonElement).disabled).toBe(false);
    // Offered as a link too, for a browser that blocked the tab; the output still shows no link.
    expect(screen.getByRole('link', { name: 'Download the file of step letter' }).getAttribute('href')).toBe(FRESH);
    expect(screen.getByText(/"url": "\[redacted\]"/).textContent).not.toContain('fresh-signature');
    opened.mockRestore();
  });

  it('a file the API no longer has: the problem is shown, nothing opens', async () => {
    const opened = vi.spyOn(window, 'open').mockImplementation(() => null);
    const api = detailApi(withLetter()).on('POST /api/v1/files/links', () => reply(404, problem(404, 'Not Found', 'No file has this key.')));
    renderApp(`/runs/${runId(7)}`, { role: 'viewer', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Open file (step letter)' }));
    expect((await screen.findByRole('alert')).textContent).toContain('No file has this key.');
    expect(screen.getByText('Cannot open the file')).toBeTruthy();
    expect(opened).not.toHaveBeenCalled();
    opened.mockRestore();
  });

  it('forEach items that are files get a button each', async () => {
    const run = withLetter();
    const images = [0, 1].map((i) => ({ url: '[redacted]', key: `image/2026-11-30/0000000${i}-0000-4000-8000-000000000000.jpg`, width: 600, height: 600, bytes: 90_000 }));
    const steps = [{ ...run.steps[1]!, id: 'notify', type: 'image.process' as const, output: images }];
    const api = detailApi({ ...run, steps }).on('POST /api/v1/files/links', ({ body }) => ({ url: `/files/${(body as { key: string }).key}?sig=x`, expiresAt: '2026-11-30T10:12:01.000Z' }));
    const opened = vi.spyOn(window, 'open').mockImplementation(() => null);
    renderApp(`/runs/${runId(7)}`, { role: 'viewer', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Open file (item 1)' }));
    await waitFor(() => expect(opened).toHaveBeenCalledWith('/files/image/2026-11-30/00000001-0000-4000-8000-000000000000.jpg?sig=x', '_blank', 'noopener,noreferrer'));
    expect(screen.getByRole('button', { name: 'Open file (item 0)' })).toBeTruthy();
    opened.mockRestore();
  });
});
