import { act, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { DlqReplay, RunSummary } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { FakeApi, problem, reply, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// Lazy page chunks load slowly on a busy machine; replay progress polls once a second.
configure({ asyncUtilTimeout: 4_000 });

const workflowId = '0460c1fa-e996-46d1-8dee-f9fb40183ab8';
const otherWorkflowId = '9a1c3e5f-7b2d-4c6e-8f0a-1b2c3d4e5f60';
const replayId = '7d4e2c1a-3b5f-4a6e-9c8d-0e1f2a3b4c5d';
const runIds = ['1a2b3c4d-0000-4000-8000-000000000001', '2b3c4d5e-0000-4000-8000-000000000002', '3c4d5e6f-0000-4000-8000-000000000003'] as const;

const workflow = (id: string, name: string) => workflowSummary(id, name);

function deadRun(id: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    workflowId,
    workflowVersion: '1.0.0',
    status: 'dead',
    trigger: { type: 'webhook', key: 'partner-status' },
    requestId: null,
    attempts: 3,
    createdAt: '2026-11-30T09:00:00.000Z',
    startedAt: '2026-11-30T09:00:01.000Z',
    finishedAt: '2026-11-30T09:05:00.000Z',
    error: { class: 'permanent', message: 'WhatsApp rejected the template visa_approved', stepId: 'notify' },
    ...overrides,
  };
}

function replay(overrides: Partial<DlqReplay> = {}): DlqReplay {
  return {
    id: replayId,
    status: 'queued',
    total: null,
    replayed: 0,
    skipped: 0,
    error: null,
    actorId: '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01',
    createdAt: '2026-11-30T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** The API with two workflows and the given dead runs; replays answer with the states given, one per poll. */
function apiWith(dead: RunSummary[], { nextCursor = null as string | null, progress = [replay({ status: 'finished', total: 1, replayed: 1 })] } = {}) {
  let polls = 0;
  return new FakeApi()
    .on('GET /api/v1/workflows', () => ({ items: [workflow(workflowId, 'Partner status'), workflow(otherWorkflowId, 'Visa approved')], nextCursor: null }))
    .on('GET /api/v1/dlq', () => ({ items: dead, nextCursor }))
    .on('POST /api/v1/dlq/replays', () => reply(202, replay()))
    .on('GET /api/v1/dlq/replays/:id', () => progress[Math.min(polls++, progress.length - 1)]!);
}

/** The Replay all button, once the list has loaded. */
const replayAllButton = async () => {
  await screen.findAllByRole('link', { name: /^Run / });
  return screen.getByRole('button', { name: 'Replay all' });
};
const dialog = () => screen.findByRole('dialog', { name: 'Replay dead runs' });
const confirmReplay = async () => fireEvent.click(within(await dialog()).getByRole('button', { name: 'Replay' }));
const currentUrl = () => new URL((globalThis as unknown as { __TSR_ROUTER__: { state: { location: { href: string } } } }).__TSR_ROUTER__.state.location.href, 'http://x');

describe('dead letters', { timeout: 15_000 }, () => {
  it('lists dead runs with their workflow, failed step and error; a viewer gets no replay controls', async () => {
    const api = apiWith([deadRun(runIds[0]), deadRun(runIds[1], { workflowId: otherWorkflowId, error: { class: 'timeout', message: 'Stripe did not answer in 10 s', stepId: 'refund' } })]);
    renderApp('/dlq', { role: 'viewer', api });

    const row = (await screen.findByRole('link', { name: `Run ${runIds[0]}` })).closest('tr')!;
    expect(screen.getByRole('heading', { name: 'Dead letters', level: 2 })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Dead letters' })).toBeTruthy();
    expect(within(row).getByRole('link', { name: `Run ${runIds[0]}` }).getAttribute('href')).toBe(`/runs/${runIds[0]}`);
    expect(within(row).getByText('notify')).toBeTruthy();
    expect(within(row).getByText('permanent')).toBeTruthy();
    expect(within(row).getByText('WhatsApp rejected the template visa_approved')).toBeTruthy();
    expect(within(row).getByRole('time').getAttribute('datetime')).toBe('2026-11-30T09:05:00.000Z');
    await waitFor(() => expect(within(row).getByRole('link', { name: 'Partner status' })).toBeTruthy());
    const other = screen.getByRole('link', { name: `Run ${runIds[1]}` }).closest('tr')!;
    expect(within(other).getByText('timeout')).toBeTruthy();
    expect(within(other).getByRole('link', { name: 'Visa approved' })).toBeTruthy();

    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: /Replay/ })).toBeNull();
    expect(api.callsTo('GET /api/v1/dlq')[0]!.query.get('limit')).toBe('50');
  });

  it('names a workflow it does not know as the runs list does: its id’s start and an ellipsis', async () => {
    const unknownWorkflowId = 'c0ffee00-1111-4222-8333-444455556666';
    renderApp('/dlq', { role: 'viewer', api: apiWith([deadRun(runIds[0], { workflowId: unknownWorkflowId })]) });
    expect(await screen.findByRole('link', { name: 'c0ffee00…' })).toBeTruthy();
  });

  it('says when nothing is dead', async () => {
    renderApp('/dlq', { role: 'operator', api: apiWith([]) });
    expect(await screen.findByText('No dead runs: nothing is waiting in the dead-letter queue.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Replay all' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a refusal to list', async () => {
    const api = apiWith([]).on('GET /api/v1/dlq', () => reply(403, problem(403, 'Forbidden', 'Viewers and above only.')));
    renderApp('/dlq', { role: 'viewer', api });
    expect(await screen.findByText('Viewers and above only.')).toBeTruthy();
    expect(screen.getByText('Cannot load the dead runs')).toBeTruthy();
  });

  it('loads more dead runs with the cursor', async () => {
    const api = apiWith([deadRun(runIds[0])], { nextCursor: 'next' }).on('GET /api/v1/dlq', ({ query }) =>
      query.get('cursor') === 'next' ? { items: [deadRun(runIds[1])], nextCursor: null } : { items: [deadRun(runIds[0])], nextCursor: 'next' },
    );
    renderApp('/dlq', { role: 'viewer', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: `Run ${runIds[1]}` })).toBeTruthy();
  });
});

describe('replaying', { timeout: 15_000 }, () => {
  it('replays one run after a confirmation, follows its progress and refreshes the list', async () => {
    const api = apiWith([deadRun(runIds[0]), deadRun(runIds[1])], {
      progress: [replay({ status: 'running', total: 5, replayed: 1, skipped: 1, startedAt: '2026-11-30T10:00:01.000Z' }), replay({ status: 'finished', total: 5, replayed: 4, skipped: 1 })],
    });
    renderApp('/dlq', { role: 'operator', api });

    fireEvent.click(await screen.findByRole('button', { name: `Replay run ${runIds[0].slice(0, 8)}` }));
    expect(within(await dialog()).getByText(`Replay 1 dead run (${runIds[0].slice(0, 8)})?`)).toBeTruthy();
    await confirmReplay();

    const bar = await screen.findByRole('progressbar', { name: 'Replaying dead runs' });
    // 202 says queued (nothing counted yet); the first poll says how far it got.
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('40'));
    expect(bar.getAttribute('aria-valuetext')).toBe('2 of 5 runs: 1 replayed, 1 skipped');
    expect(api.callsTo('POST /api/v1/dlq/replays').map((c) => c.body)).toEqual([{ runIds: [runIds[0]] }]);

    expect(await screen.findByText('Replay finished')).toBeTruthy();
    expect(screen.getByText('4 runs replayed, 1 skipped (no longer dead when their turn came).')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    const polls = api.callsTo('GET /api/v1/dlq/replays/:id');
    expect(polls.every((c) => c.path === `/api/v1/dlq/replays/${replayId}` && c.headers.get('x-visapi-background') === '1')).toBe(true);
    await waitFor(() => expect(api.callsTo('GET /api/v1/dlq').length).toBeGreaterThan(1));

    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText('Replay finished')).toBeNull();
  });

  it('replays a selection, saying how many', async () => {
    const api = apiWith(runIds.map((id) => deadRun(id)));
    renderApp('/dlq', { role: 'operator', api });
    await replayAllButton();
    const selectedButton = screen.getByRole('button', { name: 'Replay selected (0)' });
    expect((selectedButton as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: `Select run ${runIds[0].slice(0, 8)}` }));
    fireEvent.click(screen.getByRole('checkbox', { name: `Select run ${runIds[2].slice(0, 8)}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (2)' }));
    expect(within(await dialog()).getByText('Replay the 2 dead runs selected?')).toBeTruthy();
    await confirmReplay();
    expect(await screen.findByText('Replay finished')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/dlq/replays').map((c) => c.body)).toEqual([{ runIds: [runIds[0], runIds[2]] }]);
    expect(screen.getByRole('button', { name: 'Replay selected (0)' })).toBeTruthy();
  });

  it('cancelling the confirmation replays nothing', async () => {
    const api = apiWith([deadRun(runIds[0])]);
    renderApp('/dlq', { role: 'operator', api });
    fireEvent.click(await replayAllButton());
    fireEvent.click(within(await dialog()).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsTo('POST /api/v1/dlq/replays')).toEqual([]);
  });

  it('replays all, saying how many when the whole list is loaded', async () => {
    const api = apiWith(runIds.map((id) => deadRun(id)));
    renderApp('/dlq', { role: 'operator', api });
    fireEvent.click(await replayAllButton());
    expect(within(await dialog()).getByText('Replay all 3 dead runs?')).toBeTruthy();
    await confirmReplay();
    expect(await screen.findByText('Replay finished')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/dlq/replays').map((c) => c.body)).toEqual([{ all: true }]);
  });

  it('says "at least" when the list has more pages', async () => {
    renderApp('/dlq', { role: 'operator', api: apiWith([deadRun(runIds[0]), deadRun(runIds[1])], { nextCursor: 'more' }) });
    fireEvent.click(await replayAllButton());
    expect(within(await dialog()).getByText('Replay all dead runs (at least 2)?')).toBeTruthy();
  });

  it('filters by workflow in the URL and replays that workflow’s dead runs', async () => {
    const api = apiWith([]).on('GET /api/v1/runs', ({ query }) => ({ items: query.get('workflowId') === otherWorkflowId ? [deadRun(runIds[2], { workflowId: otherWorkflowId })] : [], nextCursor: null }));
    renderApp(`/dlq?workflowId=${otherWorkflowId}`, { role: 'operator', api });
    expect(await screen.findByRole('link', { name: `Run ${runIds[2]}` })).toBeTruthy();
    expect(Object.fromEntries(api.callsTo('GET /api/v1/runs')[0]!.query)).toEqual({ status: 'dead', workflowId: otherWorkflowId, limit: '50' });
    await waitFor(() => expect(screen.getByText('Visa approved', { selector: 'option' })).toBeTruthy());
    expect((screen.getByLabelText('Workflow') as HTMLSelectElement).value).toBe(otherWorkflowId);

    fireEvent.click(screen.getByRole('button', { name: 'Replay all' }));
    expect(within(await dialog()).getByText('Replay all 1 dead run of Visa approved?')).toBeTruthy();
    await confirmReplay();
    expect(await screen.findByText('Replay finished')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/dlq/replays').map((c) => c.body)).toEqual([{ workflowId: otherWorkflowId }]);

    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: workflowId } });
    expect(await screen.findByText('No dead runs of Partner status.')).toBeTruthy();
    expect(currentUrl().searchParams.get('workflowId')).toBe(workflowId);
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: '' } });
    await waitFor(() => expect(api.callsTo('GET /api/v1/dlq').length).toBe(1));
    expect(currentUrl().search).toBe('');
  });

  it('shows a refused replay with the problem’s detail (403, 409)', async () => {
    const api = apiWith([deadRun(runIds[0])]).on('POST /api/v1/dlq/replays', () => reply(403, problem(403, 'Forbidden', 'Operators only: your role is viewer.')));
    renderApp('/dlq', { role: 'operator', api });
    fireEvent.click(await replayAllButton());
    await confirmReplay();
    expect(await screen.findByText('Operators only: your role is viewer.')).toBeTruthy();
    expect(screen.getByText('The replay was refused')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    api.on('POST /api/v1/dlq/replays', () => reply(409, problem(409, 'Conflict', 'A replay of all dead runs is already running.')));
    fireEvent.click(screen.getByRole('button', { name: `Replay run ${runIds[0].slice(0, 8)}` }));
    await confirmReplay();
    expect(await screen.findByText('A replay of all dead runs is already running.')).toBeTruthy();
  });

  it('shows a replay that failed, with what it did before', async () => {
    const api = apiWith([deadRun(runIds[0])], { progress: [replay({ status: 'failed', total: 3, replayed: 1, skipped: 0, error: 'The database went away.' })] });
    renderApp('/dlq', { role: 'operator', api });
    fireEvent.click(await replayAllButton());
    await confirmReplay();
    expect(await screen.findByText('Replay failed')).toBeTruthy();
    expect(screen.getByText('The database went away. 1 run replayed and 0 skipped before it stopped.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Replay all' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('live', { timeout: 15_000 }, () => {
  it('a run that dies appears; a run that leaves dead goes', async () => {
    let dead = [deadRun(runIds[0]), deadRun(runIds[1])];
    const api = apiWith([]).on('GET /api/v1/dlq', () => ({ items: dead, nextCursor: null }));
    const { events } = renderApp('/dlq', { role: 'viewer', api });
    await screen.findByRole('link', { name: `Run ${runIds[1]}` });

    act(() => events().emit('run.updated', { ...deadRun(runIds[1]), status: 'queued', error: null }));
    await waitFor(() => expect(screen.queryByRole('link', { name: `Run ${runIds[1]}` })).toBeNull());
    expect(api.callsTo('GET /api/v1/dlq')).toHaveLength(1);

    dead = [deadRun(runIds[2]), deadRun(runIds[0])];
    act(() => events().emit('run.updated', deadRun(runIds[2])));
    expect(await screen.findByRole('link', { name: `Run ${runIds[2]}` })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/dlq')).toHaveLength(2);
  });
});
