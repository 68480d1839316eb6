import { act, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Run, Workflow } from '@visapi/contracts';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi, problem, reply, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// The first visit of a lazy page compiles its chunk (rjsf included), which takes a while under test.
configure({ asyncUtilTimeout: 8_000 });
vi.setConfig({ testTimeout: 40_000 });

const PARTNER = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c01';
const FREEFORM = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c02';
const DISABLED = '0b6f4c1e-5d2a-4a2b-8c3d-5e6f7a8b9c03';
const RUN_ID = '7d3e9a10-0000-4000-8000-000000000042';

const summary = (id: string, name: string, enabled = true) => workflowSummary(id, name, { enabled, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z' });

const inputSchema = {
  type: 'object',
  required: ['applicationId'],
  // Keys as PostgreSQL's jsonb stores them: shortest first.
  properties: {
    email: { type: 'string', title: 'Applicant e-mail', format: 'email' },
    status: { type: 'string', title: 'Status', enum: ['received', 'approved'] },
    urgent: { type: 'boolean', title: 'Urgent' },
    applicationId: { type: 'string', title: 'Application id', minLength: 1 },
  },
};

const workflow = (id: string, name: string, over: Partial<Workflow['definition']> = {}, enabled = true): Workflow => ({
  ...summary(id, name, enabled),
  description: `${name}: tells the partner`,
  webhooks: [],
  definition: { name, version: '1.0.0', enabled, priority: 'default', steps: [{ id: 'forward', type: 'http.request', config: {}, retries: 3, timeout: 30_000 }], ...over },
});

const queuedRun = (input: unknown): Run => ({
  id: RUN_ID,
  workflowId: PARTNER,
  workflowVersion: '1.0.0',
  status: 'queued',
  trigger: { type: 'manual', actorId: 'operator@visa.example' },
  requestId: null,
  input,
  attempts: 0,
  createdAt: '2026-11-30T10:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  error: null,
  steps: [],
});

function api() {
  const fake = new FakeApi();
  return fake
    .on('GET /api/v1/workflows', () => ({ items: [summary(PARTNER, 'Partner status'), summary(FREEFORM, 'Free form'), summary(DISABLED, 'Old export', false)], nextCursor: null }))
    .on('GET /api/v1/workflows/:id', ({ params }) =>
      params.id === PARTNER
        ? workflow(PARTNER, 'Partner status', { inputSchema })
        : params.id === DISABLED
          ? workflow(DISABLED, 'Old export', {}, false)
          : workflow(FREEFORM, 'Free form'),
    )
    .on('POST /api/v1/workflows/:id/trigger', ({ params }) => reply(202, { runId: RUN_ID, workflowId: params.id!, status: 'queued', statusUrl: `/api/v1/runs/${RUN_ID}` }))
    .on('GET /api/v1/runs/:id', () => queuedRun(fake.callsTo('POST /api/v1/workflows/:id/trigger').at(-1)?.body));
}

/** The app's current URL (TanStack Router keeps its router on `self` in a browser). */
const currentUrl = () => new URL((globalThis as unknown as { __TSR_ROUTER__: { state: { location: { href: string } } } }).__TSR_ROUTER__.state.location.href, 'http://x');

describe('trigger page', () => {
  it('is for operators: a viewer gets the refusal and no navigation entry', async () => {
    renderApp('/trigger', { role: 'viewer', api: api() });
    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
    expect(screen.getByText(/needs the operator role/)).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Trigger' })).toBeNull();
  });

  it('offers enabled workflows only and keeps the choice in the URL', async () => {
    renderApp('/trigger', { role: 'operator', api: api() });
    const picker = await screen.findByRole('combobox', { name: /Workflow/ });
    await waitFor(() => expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual(['Pick a workflow', 'Partner status (1.0.0)', 'Free form (1.0.0)']));
    fireEvent.change(picker, { target: { value: PARTNER } });
    await waitFor(() => expect(currentUrl().searchParams.get('workflowId')).toBe(PARTNER));
    expect(await screen.findByText('Partner status: tells the partner')).toBeTruthy();
  });

  it('generates a form from the inputSchema; bad input is refused before sending, good input starts the run and opens it', async () => {
    const fake = api();
    renderApp(`/trigger?workflowId=${PARTNER}`, { role: 'operator', api: fake });
    const id = await screen.findByRole('textbox', { name: /Application id/ });
    expect(screen.getByRole('checkbox', { name: 'Urgent' })).toBeTruthy();
    // Required fields first, whatever order the stored schema has.
    expect(screen.getAllByRole('textbox')[0]).toBe(id);

    fireEvent.change(screen.getByRole('textbox', { name: /Applicant e-mail/ }), { target: { value: 'not-an-address' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    const list = await screen.findByRole('alert');
    expect(list.textContent).toContain('The input was not sent: fix these first');
    expect(list.textContent).toContain('$.applicationId is required');
    expect(list.textContent).toContain('$.email Invalid email address');
    expect(screen.getAllByText(/Invalid email address/).length).toBeGreaterThan(0);
    expect(fake.callsTo('POST /api/v1/workflows/:id/trigger')).toHaveLength(0);

    fireEvent.change(id, { target: { value: 'A-17' } });
    fireEvent.change(screen.getByRole('textbox', { name: /Applicant e-mail/ }), { target: { value: 'dana@visa.example' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Urgent' }));
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));

    expect(await screen.findByRole('heading', { name: `Run ${RUN_ID.slice(0, 8)}` })).toBeTruthy();
    expect(currentUrl().pathname).toBe(`/runs/${RUN_ID}`);
    const [call] = fake.callsTo('POST /api/v1/workflows/:id/trigger');
    expect(call!.path).toBe(`/api/v1/workflows/${PARTNER}/trigger`);
    expect(call!.body).toEqual({ applicationId: 'A-17', email: 'dana@visa.example', urgent: true });
    expect(await screen.findByLabelText('Run status: queued')).toBeTruthy();
  });

  it('takes pasted JSON, checked against the same schema first: syntax and schema problems with their paths, nothing sent', async () => {
    const fake = api();
    renderApp(`/trigger?workflowId=${PARTNER}`, { role: 'operator', api: fake });
    await screen.findByRole('textbox', { name: /Application id/ });
    fireEvent.change(screen.getByRole('textbox', { name: /Application id/ }), { target: { value: 'A-1' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Paste JSON' }));
    const json = await screen.findByRole('textbox', { name: 'Input (JSON)' });
    // The JSON tab starts from what the form held.
    expect(JSON.parse((json as HTMLTextAreaElement).value)).toEqual({ applicationId: 'A-1' });

    fireEvent.change(json, { target: { value: '{"applicationId": ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/\$ not valid JSON/);

    fireEvent.change(json, { target: { value: JSON.stringify({ applicationId: '', status: 'lost' }) } });
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/\$\.applicationId.*>=1 characters/));
    expect(screen.getByRole('alert').textContent).toMatch(/\$\.status.*expected one of "received"\|"approved"/);
    expect(fake.callsTo('POST /api/v1/workflows/:id/trigger')).toHaveLength(0);

    fireEvent.change(json, { target: { value: JSON.stringify({ applicationId: 'A-2', status: 'approved' }) } });
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    await waitFor(() => expect(currentUrl().pathname).toBe(`/runs/${RUN_ID}`));
    expect(fake.callsTo('POST /api/v1/workflows/:id/trigger')[0]!.body).toEqual({ applicationId: 'A-2', status: 'approved' });
  });

  it('shows the server’s 422 with each field it names', async () => {
    const fake = api().on('POST /api/v1/workflows/:id/trigger', () =>
      reply(422, problem(422, 'Unprocessable Entity', 'The payload does not match the workflow’s inputSchema.', { errors: [{ path: '$.applicationId', message: 'must match pattern "^A-"' }] })),
    );
    renderApp(`/trigger?workflowId=${PARTNER}`, { role: 'operator', api: fake });
    fireEvent.change(await screen.findByRole('textbox', { name: /Application id/ }), { target: { value: 'B-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The input does not match the workflow’s inputSchema');
    expect(alert.textContent).toContain('The payload does not match the workflow’s inputSchema.');
    expect(alert.textContent).toContain('$.applicationId must match pattern "^A-"');
    expect(currentUrl().pathname).toBe('/trigger');
  });

  it('runs a workflow without inputSchema with an optional JSON body, and shows a 409 for a disabled one', async () => {
    const fake = api();
    renderApp(`/trigger?workflowId=${FREEFORM}`, { role: 'operator', api: fake });
    expect(await screen.findByText(/declares no inputSchema/)).toBeTruthy();
    expect(screen.queryByRole('tab')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Run workflow' }));
    await waitFor(() => expect(currentUrl().pathname).toBe(`/runs/${RUN_ID}`));
    expect(fake.callsTo('POST /api/v1/workflows/:id/trigger')[0]!.body).toEqual({});

    const refusing = api().on('POST /api/v1/workflows/:id/trigger', () => reply(409, problem(409, 'Conflict', 'The workflow is disabled.')));
    renderApp(`/trigger?workflowId=${DISABLED}`, { role: 'operator', api: refusing });
    expect(await screen.findByText('This workflow is disabled')).toBeTruthy();
    const form = screen.getAllByRole('textbox', { name: 'Input (JSON)' }).at(-1)!;
    fireEvent.change(form, { target: { value: '[1, 2]' } });
    act(() => fireEvent.click(screen.getAllByRole('button', { name: 'Run workflow' }).at(-1)!));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The workflow cannot run now');
    expect(alert.textContent).toContain('The workflow is disabled.');
    expect(refusing.callsTo('POST /api/v1/workflows/:id/trigger')[0]!.body).toEqual([1, 2]);
  });
});
