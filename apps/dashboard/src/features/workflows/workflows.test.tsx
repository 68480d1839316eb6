import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, renderHook, screen, waitFor, within } from '@testing-library/react';
import { EditorView } from '@uiw/react-codemirror';
import type { Workflow, WorkflowDefinitionView, WorkflowVersion } from '@visapi/contracts';
import type { ReactNode } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useRotateWebhookSecret } from '../../api/workflows';
import { createQueryClient } from '../../App';
import { FakeApi, problem, reply, sessionUser, workflowSummary } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// CodeMirror measures text to draw its cursor and selection; jsdom lays nothing out.
const noRects = () => Object.assign([] as DOMRect[], { item: () => null }) as unknown as DOMRectList;
const noRect = () => new DOMRect(0, 0, 0, 0);
Range.prototype.getClientRects ??= noRects;
Range.prototype.getBoundingClientRect ??= noRect;

/** A definition as written; the fake API answers it as is (the real one fills in defaults). */
type Definition = Workflow['definition'];
const asRead = (d: WorkflowDefinitionView) => d as Definition;

const workflowId = '0460c1fa-e996-46d1-8dee-f9fb40183ab8';
const definition = asRead({
  name: 'Partner status',
  version: '1.0.0',
  triggers: [{ type: 'webhook', key: 'partner-status' }],
  steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }],
});
const workflow: Workflow = {
  ...workflowSummary(workflowId, 'Partner status'),
  definition,
  webhooks: [{ key: 'partner-status', url: 'http://localhost:3000/api/v1/triggers/partner-status', signed: false }],
};

const version = (n: number, v: string, def: Definition, createdBy: string | null = null): WorkflowVersion => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  version: v,
  createdAt: `2026-11-2${n}T10:00:00.000Z`,
  createdBy,
  definition: def,
});
const admin = '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01';
const v1 = version(1, '1.0.0', definition);
// Keys in one order, as the API writes every read.
const v2 = version(2, '1.0.1', asRead({ name: definition.name, description: 'Tells partners', version: '1.0.1', triggers: definition.triggers, steps: definition.steps }), admin);
const v3 = version(3, '1.1.0', asRead({ ...v2.definition, version: '1.1.0', steps: [{ id: 'wait', type: 'delay', config: { ms: 250 } }] }), admin);

let api: FakeApi;
beforeEach(() => {
  api = new FakeApi()
    .on('GET /api/v1/workflows', () => ({ items: [workflow], nextCursor: null }))
    .on('GET /api/v1/workflows/:id', () => workflow)
    .on('GET /api/v1/workflows/:id/versions', () => ({ items: [v1], nextCursor: null }))
    .on('PUT /api/v1/workflows/:id', ({ body }) => ({ ...workflow, version: '1.1.0', definition: body as Definition }));
});

/** CodeMirror's textbox, by its accessible name. */
const findEditor = (format: 'JSON' | 'YAML' = 'JSON') => screen.findByRole('textbox', { name: `Workflow definition (${format})` });
const viewOf = (textbox: HTMLElement) => {
  const view = EditorView.findFromDOM(textbox);
  if (!view) throw new Error('no CodeMirror view here');
  return view;
};
const textOf = (textbox: HTMLElement) => viewOf(textbox).state.doc.toString();
/** The light read-only view everyone sees first. */
const findReadOnly = (format: 'JSON' | 'YAML' = 'JSON') => screen.findByRole('region', { name: `Workflow definition (${format}), read-only` });
/** An admin presses "Edit definition": the editor's chunk loads and CodeMirror replaces the read-only view. */
async function openEditor(format: 'JSON' | 'YAML' = 'JSON') {
  fireEvent.click(await screen.findByRole('button', { name: 'Edit definition' }));
  return findEditor(format);
}
/** Replaces the editor's text as typing would (a user input transaction). */
function typeInto(textbox: HTMLElement, text: string) {
  const view = viewOf(textbox);
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, userEvent: 'input.type' }));
}

describe('workflows', { timeout: 20_000 }, () => {
  it('lists workflows and opens one with its webhook URL', async () => {
    renderApp('/workflows', { role: 'admin', api });
    fireEvent.click(await screen.findByRole('link', { name: 'Partner status' }));
    expect(await screen.findByText('POST http://localhost:3000/api/v1/triggers/partner-status')).toBeTruthy();
    expect((await findReadOnly()).textContent).toBe(JSON.stringify(definition, null, 2));
  });

  it('hovering a workflow link preloads its page but fetches no workflow; following it does', async () => {
    const { router } = renderApp('/workflows', { role: 'admin', api });
    await screen.findByRole('link', { name: 'Partner status' });
    // What a hover on the link does (defaultPreload 'intent'), awaited.
    await act(() => router.preloadRoute({ to: '/workflows/$workflowId', params: { workflowId } }));
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(0);
    fireEvent.click(screen.getByRole('link', { name: 'Partner status' }));
    expect(await screen.findByText('POST http://localhost:3000/api/v1/triggers/partner-status')).toBeTruthy();
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(1);
  });

  it('validates the definition as it is typed; only a valid change can be saved, as a new version', async () => {
    renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
    const readOnly = await findReadOnly();
    expect(screen.queryByRole('textbox', { name: /Workflow definition/ })).toBeNull();
    // The definition may arrive before the user's role (the route prefetches it), the button with the role.
    const edit = await screen.findByRole('button', { name: 'Edit definition' });
    fireEvent.click(edit);
    // While the editor's chunk loads, the definition stays readable and the button shows it is busy.
    expect(edit.getAttribute('data-loading')).toBe('true');
    expect(readOnly.isConnected).toBe(true);
    const editor = await findEditor();
    expect(readOnly.isConnected).toBe(false);
    expect(screen.getByText('Valid definition')).toBeTruthy();
    const save = screen.getByRole('button', { name: 'Save as new version' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);

    typeInto(editor, textOf(editor).replace('"1.0.0"', '"1.1"'));
    expect(await screen.findByText('must be a semantic version such as 1.2.0')).toBeTruthy();
    expect(screen.getByText('$.version')).toBeTruthy();
    expect(save.disabled).toBe(true);

    typeInto(editor, textOf(editor).replace('"1.1"', '"1.1.0"').replace('"ms": 10', '"ms": 10,'));
    expect(await screen.findByText(/not valid JSON at line/)).toBeTruthy();

    typeInto(editor, JSON.stringify({ ...definition, version: '1.1.0' }, null, 2));
    expect(await screen.findByText('Valid definition — not saved yet')).toBeTruthy();
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await screen.findByText('v1.1.0');
    expect(api.callsTo('PUT /api/v1/workflows/:id')).toHaveLength(1);
    expect(api.callsTo('PUT /api/v1/workflows/:id')[0]).toMatchObject({ path: `/api/v1/workflows/${workflowId}`, body: { ...definition, version: '1.1.0' } });
  });

  it('keeps Tab for moving focus: the editor does not trap it', async () => {
    renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
    const editor = await openEditor();
    // The button it replaces is gone: focus moves into the editor.
    await waitFor(() => expect(document.activeElement).toBe(editor));
    // A handled key is prevented (fireEvent answers false); Tab is left to the browser.
    expect(fireEvent.keyDown(editor, { key: 'Tab', code: 'Tab', keyCode: 9 })).toBe(true);
    expect(editor.getAttribute('aria-describedby')).toContain('definition-keys');
    expect(screen.getByText(/Tab moves on to the next control/)).toBeTruthy();
  });

  it('shows the server’s refusal with its paths', async () => {
    api.on('PUT /api/v1/workflows/:id', () =>
      reply(409, problem(409, 'Conflict', 'The version must be greater than 1.0.0.', { errors: [{ path: '$.version', message: 'not greater than 1.0.0' }] })),
    );
    renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
    typeInto(await openEditor(), JSON.stringify({ ...definition, description: 'changed' }, null, 2));
    fireEvent.click(await screen.findByRole('button', { name: 'Save as new version' }));
    expect(await screen.findByText('The version must be greater than 1.0.0.')).toBeTruthy();
    expect(screen.getByText('not greater than 1.0.0')).toBeTruthy();
  });

  describe('signed webhooks', () => {
    const signedDefinition: Definition = { ...definition, triggers: [{ type: 'webhook', key: 'partner-status', signed: true }] };
    const signedWorkflow: Workflow = { ...workflow, definition: signedDefinition, webhooks: [{ ...workflow.webhooks[0]!, signed: true }] };
    const newSecret = 'whsec_bmV3LXNlY3JldC1zaG93bi1vbmNlLWZvci10aGUtdGVzdHM=';
    beforeEach(() => {
      api.on('GET /api/v1/workflows/:id', () => signedWorkflow);
    });

    it('issue 9 #2: a signed webhook shows "signed", never a secret, and the definition as read saves back with signed: true', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      const editor = await openEditor();
      expect(screen.getByText('signed', { selector: '.mantine-Badge-label' })).toBeTruthy();
      expect(await screen.findByText('Valid definition')).toBeTruthy();
      typeInto(editor, textOf(editor).replace('"1.0.0"', '"1.0.1"'));
      fireEvent.click(await screen.findByRole('button', { name: 'Save as new version' }));
      await screen.findByText('v1.1.0');
      expect(api.callsTo('PUT /api/v1/workflows/:id')[0]!.body).toEqual({ ...signedDefinition, version: '1.0.1' });
      expect(document.body.textContent).not.toContain('whsec_');
      expect(textOf(await findEditor())).not.toContain('whsec_');
    });

    it('issue 9 #2: an admin rotates a webhook’s secret and sees the new one once; a viewer cannot', async () => {
      api.on('POST /api/v1/workflows/:id/webhooks/:key/rotate-secret', () => {
        api.on('GET /api/v1/workflows/:id', () => ({ ...signedWorkflow, version: '1.0.1' }));
        return reply(201, { key: 'partner-status', signingSecret: newSecret, version: '1.0.1' });
      });
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      fireEvent.click(await screen.findByRole('button', { name: 'Rotate secret of partner-status' }));
      expect(api.calls.some((c) => c.method === 'POST')).toBe(false); // it asks first: the old secret stops working at once
      fireEvent.click(await screen.findByRole('button', { name: 'Rotate now' }));
      expect(await screen.findByText(newSecret)).toBeTruthy();
      expect(screen.getByText(/shown only now/)).toBeTruthy();
      expect(await screen.findByText('v1.0.1')).toBeTruthy();
      fireEvent.click(screen.getByRole('button', { name: 'Done' }));
      await act(async () => undefined);
      expect(screen.queryByText(newSecret)).toBeNull();
      expect(document.body.textContent).not.toContain('whsec_');
      cleanup();

      api.on('GET /api/v1/auth/me', () => sessionUser('viewer'));
      renderApp(`/workflows/${workflowId}`, { api });
      await findReadOnly();
      expect(screen.queryByRole('button', { name: /Rotate secret/ })).toBeNull();
    });
  });

  it('refetches what is shown after a stream reset in the background, the session not at all: it is not a request of the user’s', async () => {
    const { events } = renderApp('/workflows', { role: 'viewer', api });
    await screen.findByRole('link', { name: 'Partner status' });
    const before = api.calls.length;
    act(() => events().emit('stream.reset', { reason: 'backlog trimmed' }));
    await waitFor(() => expect(api.callsTo('GET /api/v1/workflows')).toHaveLength(2));
    const refetches = api.calls.slice(before);
    expect(refetches.some((c) => c.path === '/api/v1/auth/me')).toBe(false); // the session is not the stream's business
    expect(refetches.map((c) => [c.path, c.headers.get('x-visapi-background')])).toEqual(refetches.map((c) => [c.path, '1']));
  });

  it('keeps a rotated webhook secret in no cache once the dialog has let it go', async () => {
    const secret = 'whsec_Zm9yZ290dGVuLW9uY2UtdGhlLWRpYWxvZy1jbG9zZXM=';
    const rotating = new FakeApi().on('POST /api/v1/workflows/:id/webhooks/:key/rotate-secret', () =>
      reply(201, { key: 'partner-status', signingSecret: secret, version: '1.0.1' }),
    );
    vi.stubGlobal('fetch', rotating.fetch);
    const client = createQueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useRotateWebhookSecret(workflowId), { wrapper });
    act(() => result.current.mutate('partner-status'));
    await waitFor(() => expect(result.current.data?.signingSecret).toBe(secret));
    const cached = () => JSON.stringify(client.getMutationCache().getAll().map((m) => m.state));
    expect(cached()).toContain(secret);
    act(() => result.current.reset()); // what closing the dialog does
    await waitFor(() => expect(cached()).not.toContain(secret));
  });

  for (const role of ['viewer', 'operator'] as const) {
    it(`shows a ${role} the definition read-only, as JSON or YAML, and never loads the editor`, async () => {
      renderApp(`/workflows/${workflowId}`, { role, api });
      const readOnly = await findReadOnly();
      expect(readOnly.textContent).toBe(JSON.stringify(definition, null, 2));
      // Keyboard users can reach it to scroll (axe scrollable-region-focusable).
      expect(readOnly.tagName).toBe('PRE');
      expect(readOnly.getAttribute('tabindex')).toBe('0');
      expect(screen.getByText(/Read-only: only an admin/)).toBeTruthy();
      expect(screen.queryByRole('button', { name: 'Edit definition' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Save as new version' })).toBeNull();

      fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
      expect((await findReadOnly('YAML')).textContent).toContain('name: Partner status\nversion: 1.0.0\n');
      await screen.findByText('v1.0.0');
      // No CodeMirror anywhere: neither a textbox nor an editor view was ever drawn.
      expect(screen.queryByRole('textbox', { name: /Workflow definition/ })).toBeNull();
      expect(document.querySelector('.cm-editor')).toBeNull();
    });
  }

  describe('YAML', () => {
    it('switches to YAML and back; a valid YAML edit saves the definition as JSON', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      await openEditor();
      fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
      const editor = await findEditor('YAML');
      expect(textOf(editor)).toBe(
        ['name: Partner status', 'version: 1.0.0', 'triggers:', '  - type: webhook', '    key: partner-status', 'steps:', '  - id: wait', '    type: delay', '    config:', '      ms: 10', ''].join('\n'),
      );
      expect(screen.getByText('Valid definition')).toBeTruthy();

      typeInto(editor, textOf(editor).replace('version: 1.0.0', 'version: 1.2.0\ndescription: "Now in YAML: {{ input }}"'));
      expect(await screen.findByText('Valid definition — not saved yet')).toBeTruthy();
      // Back to JSON and to YAML again: the edit survives both ways.
      fireEvent.click(screen.getByRole('radio', { name: 'JSON' }));
      const asJson = await findEditor('JSON');
      await waitFor(() => expect(JSON.parse(textOf(asJson))).toEqual({ ...definition, version: '1.2.0', description: 'Now in YAML: {{ input }}' }));
      fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
      await findEditor('YAML');

      fireEvent.click(screen.getByRole('button', { name: 'Save as new version' }));
      await screen.findByText('v1.1.0');
      const put = api.callsTo('PUT /api/v1/workflows/:id')[0]!;
      expect(put.headers.get('content-type')).toBe('application/json');
      expect(put.body).toEqual({ ...definition, version: '1.2.0', description: 'Now in YAML: {{ input }}' });
      // The saved version opens in the format the admin was using.
      expect(await findEditor('YAML')).toBeTruthy();
    });

    it('opens the editor in YAML when the admin was reading YAML; Discard changes brings the saved text back', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      await findReadOnly();
      fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
      const shown = (await findReadOnly('YAML')).textContent;
      const editor = await openEditor('YAML');
      expect(textOf(editor)).toBe(shown);
      const discard = screen.getByRole('button', { name: 'Discard changes' }) as HTMLButtonElement;
      expect(discard.disabled).toBe(true);
      typeInto(editor, textOf(editor).replace('ms: 10', 'ms: 20'));
      expect(await screen.findByText('Valid definition — not saved yet')).toBeTruthy();
      fireEvent.click(discard);
      await waitFor(() => expect(textOf(editor)).toBe(shown));
      expect(await screen.findByText('Valid definition')).toBeTruthy();
    });

    it('shows a YAML syntax error with its line and blocks saving and switching; schema problems by path', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      await openEditor();
      fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
      const editor = await findEditor('YAML');
      const save = screen.getByRole('button', { name: 'Save as new version' }) as HTMLButtonElement;

      typeInto(editor, textOf(editor).replace('  - id: wait', '  - id: wait\n   oops: [1, 2'));
      expect(await screen.findByText(/^not valid YAML at line \d+, column \d+: /)).toBeTruthy();
      expect(screen.getByText('Fix the YAML syntax to switch format.')).toBeTruthy();
      expect(save.disabled).toBe(true);
      expect((screen.getByRole('radio', { name: 'JSON' }) as HTMLInputElement).disabled).toBe(true);

      typeInto(editor, textOf(editor).replace('\n   oops: [1, 2', '').replace('version: 1.0.0', 'version: "1.1"'));
      expect(await screen.findByText('must be a semantic version such as 1.2.0')).toBeTruthy();
      expect(screen.getByText('$.version')).toBeTruthy();
      expect(save.disabled).toBe(true);
      fireEvent.click(save);
      expect(api.callsTo('PUT /api/v1/workflows/:id')).toHaveLength(0);
    });
  });

  describe('versions', () => {
    beforeEach(() => {
      api.on('GET /api/v1/workflows/:id', () => ({ ...workflow, version: '1.1.0', definition: v3.definition }));
      api.on('GET /api/v1/workflows/:id/versions', () => ({ items: [v3, v2, v1], nextCursor: null }));
    });

    it('lists every version with when and by whom, and diffs the previous against the latest', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'viewer', api });
      const table = await screen.findByRole('table', { name: 'Versions of this workflow, newest first' });
      const rows = within(table).getAllByRole('row').slice(1).map((row) => within(row).getAllByRole('cell').map((c) => c.textContent));
      expect(rows.map((r) => r[0])).toEqual(['1.1.0', '1.0.1', '1.0.0']);
      expect(rows[0]![2]).toBe(admin);
      expect(rows[2]![2]).toBe('an API key or the system');

      expect((screen.getByRole('combobox', { name: 'From version' }) as HTMLSelectElement).value).toBe(v2.id);
      expect((screen.getByRole('combobox', { name: 'To version' }) as HTMLSelectElement).value).toBe(v3.id);
      const diff = await screen.findByRole('region', { name: 'Changes from version 1.0.1 to 1.1.0' });
      expect(changes(diff)).toEqual([
        ['removed', '−', '  "version": "1.0.1",'],
        ['added', '+', '  "version": "1.1.0",'],
        ['removed', '−', '        "ms": 10'],
        ['added', '+', '        "ms": 250'],
      ]);
      expect(screen.getByText('2 lines added, 2 removed')).toBeTruthy();
      // Not colour alone: screen readers hear what each marked line is.
      expect(within(diff).getAllByText('Added:')).toHaveLength(2);
      expect(within(diff).getAllByText('Removed:')).toHaveLength(2);
      expect(diff.getAttribute('tabindex')).toBe('0');
    });

    it('diffs any two versions the user picks', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      const fromSelect = await screen.findByRole('combobox', { name: 'From version' });
      fireEvent.change(fromSelect, { target: { value: v1.id } });
      const diff = await screen.findByRole('region', { name: 'Changes from version 1.0.0 to 1.1.0' });
      expect(changes(diff).map(([kind, , text]) => `${kind} ${text.trim()}`)).toEqual([
        'removed "version": "1.0.0",',
        'added "description": "Tells partners",',
        'added "version": "1.1.0",',
        'removed "ms": 10',
        'added "ms": 250',
      ]);

      fireEvent.change(screen.getByRole('combobox', { name: 'To version' }), { target: { value: v2.id } });
      const older = screen.getByRole('region', { name: 'Changes from version 1.0.0 to 1.0.1' });
      expect(changes(older).map(([kind, , text]) => `${kind} ${text.trim()}`)).toEqual([
        'removed "version": "1.0.0",',
        'added "description": "Tells partners",',
        'added "version": "1.0.1",',
      ]);
      fireEvent.change(screen.getByRole('combobox', { name: 'To version' }), { target: { value: v1.id } });
      expect(screen.getByText('Pick two different versions to see what changed.')).toBeTruthy();
    });

    it('refreshes the versions after a save', async () => {
      renderApp(`/workflows/${workflowId}`, { role: 'admin', api });
      await screen.findByRole('table', { name: 'Versions of this workflow, newest first' });
      const before = api.callsTo('GET /api/v1/workflows/:id/versions').length;
      const editor = await openEditor();
      typeInto(editor, textOf(editor).replace('"1.1.0"', '"1.2.0"'));
      fireEvent.click(await screen.findByRole('button', { name: 'Save as new version' }));
      await waitFor(() => expect(api.callsTo('GET /api/v1/workflows/:id/versions').length).toBeGreaterThan(before));
    });

    it('shows an error when the versions cannot load', async () => {
      api.on('GET /api/v1/workflows/:id/versions', () => reply(404, problem(404, 'Not found', 'No workflow has this id.')));
      renderApp(`/workflows/${workflowId}`, { role: 'viewer', api });
      expect(await screen.findByText('Cannot load the versions')).toBeTruthy();
      expect(screen.getByText('No workflow has this id.')).toBeTruthy();
    });
  });
});

/** The marked lines of a diff: [kind, the visible sign, the line's text]. */
function changes(diff: HTMLElement): Array<[string, string, string]> {
  return [...diff.querySelectorAll('ins, del')].map((line) => {
    const [sign, ...rest] = [...line.childNodes].map((n) => n.textContent ?? '');
    return [line.tagName === 'INS' ? 'added' : 'removed', sign!.trim(), rest.filter((t) => t !== 'Added: ' && t !== 'Removed: ').join('')];
  });
}

describe('the workflow list', () => {
  it('reads every page, so lists and name lookups know workflows beyond the first 200', async () => {
    const summaryOf = (n: number) => workflowSummary(`00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, `Workflow ${n}`);
    const api = new FakeApi().on('GET /api/v1/workflows', ({ query }) =>
      query.get('cursor') === 'second' ? { items: [summaryOf(201)], nextCursor: null } : { items: [summaryOf(1)], nextCursor: 'second' },
    );
    renderApp('/workflows', { role: 'viewer', api });
    expect(await screen.findByRole('link', { name: 'Workflow 201' })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/workflows').map((c) => Object.fromEntries(c.query))).toEqual([{ limit: '200' }, { limit: '200', cursor: 'second' }]);
  });
});
