import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ProblemFieldError, Template, TemplatePreviewRequest } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { FakeApi, type FakeRequest, problem, reply } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

const template = (over: Partial<Template>): Template => ({
  id: '00000000-0000-4000-8000-000000000001',
  name: 'visa_approved',
  channel: 'slack',
  locale: 'en',
  subject: null,
  body: 'Hello {{ name }}, your visa is approved.',
  providerRef: null,
  version: 3,
  updatedBy: null,
  updatedAt: '2026-11-28T09:30:00.000Z',
  ...over,
});
const slackEn = template({});
const whatsappHe = template({ id: '00000000-0000-4000-8000-000000000002', channel: 'whatsapp', locale: 'he', body: 'שלום {{ name }}, הוויזה שלך אושרה.', providerRef: 'visa_approved_he', version: 1 });
const emailEn = template({ id: '00000000-0000-4000-8000-000000000003', name: 'payment_receipt', channel: 'email', subject: 'Receipt {{ number }}', body: 'Paid: {{ amount }}', version: 2 });

/**
 * The server's preview, small: `{{ variable }}` from the sample (missing ones empty and
 * reported); an `{% if %}` without `{% endif %}` is a 422 with its line and column.
 */
function previewOf({ body }: FakeRequest) {
  const request = body as TemplatePreviewRequest;
  const errors: ProblemFieldError[] = [];
  const missing = new Set<string>();
  const render = (path: string, text: string) => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('{% if'));
    if (line >= 0 && !text.includes('{% endif %}')) errors.push({ path, message: `tag {% if %} not closed, line:${line + 1}, col:${lines[line]!.indexOf('{% if') + 1}`, line: line + 1, column: lines[line]!.indexOf('{% if') + 1 });
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
      if (request.variables && Object.hasOwn(request.variables, name)) return String(request.variables[name]);
      missing.add(name);
      return '';
    });
  };
  const subject = request.subject ? render('$.subject', request.subject) : null;
  const rendered = render('$.body', request.body);
  if (errors.length > 0) return reply(422, problem(422, 'Unprocessable content', 'The template does not render.', { errors }));
  return { subject, body: rendered, direction: ['he', 'ar'].includes(request.locale!.slice(0, 2)) ? ('rtl' as const) : ('ltr' as const), missingVariables: [...missing] };
}

function templatesApi(items: Template[] = [slackEn, whatsappHe, emailEn]) {
  return new FakeApi()
    .on('GET /api/v1/templates', ({ query }) => ({ items: items.filter((t) => (['name', 'channel', 'locale'] as const).every((k) => !query.has(k) || query.get(k) === t[k])) }))
    .on('POST /api/v1/templates/preview', previewOf);
}

const lastPreview = (api: FakeApi) => api.callsTo('POST /api/v1/templates/preview').at(-1)?.body as TemplatePreviewRequest | undefined;

async function openEditor(name: RegExp | string) {
  fireEvent.click(await screen.findByRole('button', { name }));
  return screen.findByRole('region', { name: /^(Edit|New template)/ });
}

describe('templates (admin)', { timeout: 20_000 }, () => {
  it('lists templates with version and update time, filtered through the URL', async () => {
    const api = templatesApi();
    renderApp('/templates?channel=whatsapp&bogus=1&locale=', { role: 'admin', api });
    expect(await screen.findByRole('heading', { name: 'Templates' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Templates, sorted by name' });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(within(table).getByText('he')).toBeTruthy();
    expect(api.callsTo('GET /api/v1/templates')[0]!.query.toString()).toBe('channel=whatsapp');
    expect((screen.getByRole('combobox', { name: 'Channel' }) as HTMLSelectElement).value).toBe('whatsapp');

    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'visa_approved' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Locale' }), { target: { value: 'he' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(api.callsTo('GET /api/v1/templates').at(-1)!.query.toString()).toBe('name=visa_approved&channel=whatsapp&locale=he'));

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(api.callsTo('GET /api/v1/templates').at(-1)!.query.toString()).toBe(''));
  });

  it('sorts by channel or locale, and says when nothing matches', async () => {
    renderApp('/templates', { role: 'admin', api: templatesApi() });
    const table = await screen.findByRole('table', { name: 'Templates, sorted by name' });
    const firstColumn = () => within(table).getAllByRole('row').slice(1).map((row) => within(row).getAllByRole('cell').map((c) => c.textContent));
    expect(firstColumn().map((cells) => cells[0])).toEqual(['payment_receipt', 'visa_approved', 'visa_approved']);
    expect(firstColumn()[0]).toEqual(['payment_receipt', 'E-mail', 'en', '2', expect.any(String), 'Edit']);
    fireEvent.click(screen.getByRole('radio', { name: 'Locale' }));
    expect(screen.getByRole('table', { name: 'Templates, sorted by locale' })).toBeTruthy();
    expect(firstColumn().map((cells) => cells[2])).toEqual(['en', 'en', 'he']);
  });

  it('says when nothing matches, and ignores a hand-edited filter the API would refuse', async () => {
    const api = templatesApi([]);
    renderApp('/templates?name=nothing', { role: 'admin', api });
    expect(await screen.findByText('No template matches these filters.')).toBeTruthy();
    cleanup();
    renderApp('/templates?channel=fax', { role: 'admin', api });
    expect(await screen.findByText('No templates yet.')).toBeTruthy();
    expect(api.callsTo('GET /api/v1/templates').at(-1)!.query.toString()).toBe('');
  });

  it('shows the error when the list cannot load', async () => {
    const api = new FakeApi().on('GET /api/v1/templates', () => reply(500, problem(500, 'Internal server error', 'The database is away.')));
    renderApp('/templates', { role: 'admin', api });
    expect(await screen.findByText('Cannot load templates')).toBeTruthy();
    expect(screen.getByText('The database is away.')).toBeTruthy();
  });

  it('checks Liquid as you type and shows the error with its line and column under the editor', async () => {
    const api = templatesApi();
    renderApp('/templates', { role: 'admin', api });
    const editor = await openEditor('Edit visa_approved (Slack, en)');
    const body = within(editor).getByRole('textbox', { name: /Body/ });
    fireEvent.change(body, { target: { value: 'Hello {{ name }}\n  {% if vip %}Welcome back' } });
    expect(await within(editor).findByText('Line 2, column 3: tag {% if %} not closed')).toBeTruthy();
    expect(body.getAttribute('aria-invalid')).toBe('true');
    expect(within(editor).getByText('The template does not render: see the errors under the editor.')).toBeTruthy();

    fireEvent.change(body, { target: { value: 'Hello {{ name }}\n  {% if vip %}Welcome back{% endif %}' } });
    await waitFor(() => expect(within(editor).queryByText(/not closed/)).toBeNull());
    expect(body.getAttribute('aria-invalid')).toBeNull();
    expect(await within(editor).findByRole('region', { name: 'Rendered preview' })).toBeTruthy();
  });

  it('renders the preview with sample variables: the default sample names the variables the text uses', async () => {
    const api = templatesApi();
    renderApp('/templates', { role: 'admin', api });
    const editor = await openEditor('Edit visa_approved (Slack, en)');
    const sample = within(editor).getByRole('textbox', { name: /Sample variables/ }) as HTMLTextAreaElement;
    await waitFor(() => expect(JSON.parse(sample.value)).toEqual({ name: '[name]' }));
    const preview = await within(editor).findByRole('region', { name: 'Rendered preview' });
    await waitFor(() => expect(preview.textContent).toBe('Hello [name], your visa is approved.'));

    fireEvent.change(sample, { target: { value: '{"name": "Dana"}' } });
    await waitFor(() => expect(preview.textContent).toBe('Hello Dana, your visa is approved.'));
    expect(lastPreview(api)).toEqual({ channel: 'slack', locale: 'en', subject: null, body: slackEn.body, variables: { name: 'Dana' } });

    fireEvent.change(sample, { target: { value: '["Dana"]' } });
    expect(await within(editor).findByText('must be a JSON object, such as {"name": "Dana"}')).toBeTruthy();
    expect(within(editor).getByText('Fix the sample variables to see it rendered.')).toBeTruthy();
  });

  it('writes and previews Hebrew right to left', async () => {
    renderApp('/templates', { role: 'admin', api: templatesApi() });
    const editor = await openEditor('Edit visa_approved (WhatsApp, he)');
    const body = within(editor).getByRole('textbox', { name: /Body/ });
    // Mantine puts `dir` on the textarea's own wrapper, which the textarea inherits.
    expect(body.closest('[dir]')!.getAttribute('dir')).toBe('rtl');
    expect(body.getAttribute('lang')).toBe('he');
    expect((within(editor).getByRole('textbox', { name: /Provider template or flow id/ }) as HTMLInputElement).value).toBe('visa_approved_he');
    const preview = await within(editor).findByRole('region', { name: 'Rendered preview' });
    expect(preview.getAttribute('dir')).toBe('rtl');
    expect(preview.getAttribute('lang')).toBe('he');
    await waitFor(() => expect(preview.textContent).toBe('שלום [name], הוויזה שלך אושרה.'));

    fireEvent.change(within(editor).getByRole('textbox', { name: /Locale/ }), { target: { value: 'en' } });
    await waitFor(() => expect(within(editor).getByRole('region', { name: 'Rendered preview' }).getAttribute('dir')).toBe('ltr'));
    expect(body.closest('[dir]')!.getAttribute('dir')).toBe('ltr');
  });

  it('shows an e-mail subject, and a PDF’s HTML in a sandboxed frame that runs nothing', async () => {
    const pdf = template({ id: '00000000-0000-4000-8000-000000000004', name: 'letter', channel: 'pdf', body: '<h1>Dear {{ name }}</h1><script>parent.stolen = 1</script>' });
    renderApp('/templates', { role: 'admin', api: templatesApi([emailEn, pdf]) });
    let editor = await openEditor('Edit payment_receipt (E-mail, en)');
    const preview = await within(editor).findByRole('region', { name: 'Rendered preview' });
    await waitFor(() => expect(preview.textContent).toBe('Subject: Receipt [number]Paid: [amount]'));

    fireEvent.click(within(editor).getByRole('button', { name: 'Close editor' }));
    editor = await openEditor('Edit letter (PDF, en)');
    const frame = (await within(editor).findByTitle(/PDF preview/)) as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('');
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('<h1>Dear [name]</h1>'));
    expect(frame.getAttribute('srcdoc')).toMatch(/^<!doctype html><html lang="en" dir="ltr">/);
  });

  it('issue 12: a Hebrew PDF letter previews right to left in the sandboxed frame, through POST /templates/preview, fetching nothing', async () => {
    const fragment = template({ id: '00000000-0000-4000-8000-000000000005', name: 'visa_approved', channel: 'pdf', locale: 'he', body: '<h1>שלום {{ name }}</h1><img src="http://tracker.example/p.gif">' });
    const page = template({ id: '00000000-0000-4000-8000-000000000006', name: 'payment_receipt', channel: 'pdf', locale: 'he', body: '<!doctype html><html lang="he"><head><style>h1{color:navy}</style></head><body><h1>קבלה {{ name }}</h1></body></html>' });
    const api = templatesApi([fragment, page]);
    renderApp('/templates', { role: 'admin', api });
    let editor = await openEditor('Edit visa_approved (PDF, he)');
    let frame = (await within(editor).findByTitle(/PDF preview/)) as HTMLIFrameElement;
    expect([frame.getAttribute('sandbox'), frame.getAttribute('srcdoc') === null]).toEqual(['', false]);
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('<h1>שלום [name]</h1>'));
    expect(frame.getAttribute('srcdoc')).toMatch(/^<!doctype html><html lang="he" dir="rtl"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/);
    expect(lastPreview(api)).toMatchObject({ channel: 'pdf', locale: 'he' });

    // A whole document is kept as written, as pdf.generate prints it (no direction added), with the policy first in its <head>.
    fireEvent.click(within(editor).getByRole('button', { name: 'Close editor' }));
    editor = await openEditor('Edit payment_receipt (PDF, he)');
    frame = (await within(editor).findByTitle(/PDF preview/)) as HTMLIFrameElement;
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('קבלה [name]'));
    expect(frame.getAttribute('srcdoc')).toMatch(/^<!doctype html><html lang="he"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*"><style>/);
    expect(frame.getAttribute('sandbox')).toBe('');
  });

  it('creates a new template (201) and stores a new version of one (200), refreshing the list', async () => {
    const api = templatesApi();
    api.on('PUT /api/v1/templates', ({ body }) => {
      const sent = body as Template;
      return sent.name === 'status_update'
        ? reply(201, template({ ...sent, id: '00000000-0000-4000-8000-000000000009', version: 1 }))
        : template({ ...sent, version: 4 });
    });
    renderApp('/templates', { role: 'admin', api });
    let editor = await openEditor('New template');
    expect(document.activeElement).toBe(within(editor).getByRole('heading', { name: 'New template' }));
    fireEvent.change(within(editor).getByRole('textbox', { name: /Name/ }), { target: { value: 'status_update' } });
    fireEvent.change(within(editor).getByRole('combobox', { name: 'Channel' }), { target: { value: 'email' } });
    fireEvent.change(within(editor).getByRole('textbox', { name: /Locale/ }), { target: { value: 'he-IL' } });
    fireEvent.change(within(editor).getByRole('textbox', { name: /Subject/ }), { target: { value: 'עדכון' } });
    fireEvent.change(within(editor).getByRole('textbox', { name: /Body/ }), { target: { value: 'הבקשה שלך {{ status }}' } });
    const listed = api.callsTo('GET /api/v1/templates').length;
    fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(await within(editor).findByText('Template created')).toBeTruthy();
    expect(within(editor).getByText('status_update (E-mail, he-IL) is at version 1.')).toBeTruthy();
    expect(api.callsTo('PUT /api/v1/templates')[0]!.body).toEqual({ name: 'status_update', channel: 'email', locale: 'he-IL', subject: 'עדכון', body: 'הבקשה שלך {{ status }}', providerRef: null });
    await waitFor(() => expect(api.callsTo('GET /api/v1/templates').length).toBeGreaterThan(listed));

    fireEvent.click(within(editor).getByRole('button', { name: 'Close editor' }));
    editor = await openEditor('Edit visa_approved (Slack, en)');
    fireEvent.change(within(editor).getByRole('textbox', { name: /Body/ }), { target: { value: 'Hi {{ name }}' } });
    fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(await within(editor).findByText('New version saved')).toBeTruthy();
    expect(within(editor).getByText('visa_approved (Slack, en) is at version 4.')).toBeTruthy();
    expect(api.callsTo('PUT /api/v1/templates')[1]!.body).toEqual({ name: 'visa_approved', channel: 'slack', locale: 'en', subject: null, body: 'Hi {{ name }}', providerRef: null });
  });

  it('checks the fields before saving, and shows the server’s 400 with its paths', async () => {
    const api = templatesApi();
    api.on('PUT /api/v1/templates', () =>
      reply(400, problem(400, 'Validation failed', 'The template does not parse.', { errors: [{ path: '$.body', message: 'output "{{ name" not closed, line:1, col:1' }] })),
    );
    renderApp('/templates', { role: 'admin', api });
    const editor = await openEditor('New template');
    fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(within(editor).getAllByText('required')).toHaveLength(2);
    fireEvent.change(within(editor).getByRole('textbox', { name: /Name/ }), { target: { value: 'Bad Name' } });
    expect(within(editor).getByText('must be 1-100 of a-z 0-9 _ . -')).toBeTruthy();
    fireEvent.change(within(editor).getByRole('textbox', { name: /Locale/ }), { target: { value: 'hebrew!' } });
    expect(within(editor).getByText('must be a locale such as en, he or he-IL')).toBeTruthy();
    fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(api.callsTo('PUT /api/v1/templates')).toHaveLength(0);

    fireEvent.change(within(editor).getByRole('textbox', { name: /Name/ }), { target: { value: 'greeting' } });
    fireEvent.change(within(editor).getByRole('textbox', { name: /Locale/ }), { target: { value: 'en' } });
    fireEvent.change(within(editor).getByRole('textbox', { name: /Body/ }), { target: { value: 'Hello {{ name' } });
    fireEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    const alert = await within(editor).findByRole('alert');
    expect(within(alert).getByText('Not saved')).toBeTruthy();
    expect(within(alert).getByText('The template does not parse.')).toBeTruthy();
    expect(within(alert).getByText('output "{{ name" not closed, line:1, col:1')).toBeTruthy();
  });

  it('is not offered to an operator or a viewer, and the page refuses them', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      const api = templatesApi();
      const { unmount } = renderApp('/templates', { role, api });
      expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
      expect(screen.queryByRole('link', { name: 'Templates' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'New template' })).toBeNull();
      expect(screen.queryByRole('textbox', { name: /Body/ })).toBeNull();
      expect(api.callsTo('GET /api/v1/templates')).toHaveLength(0);
      unmount();
    }
  });

  it('is in the admin’s navigation', async () => {
    renderApp('/', { role: 'admin', api: templatesApi() });
    fireEvent.click(await screen.findByRole('link', { name: 'Templates' }));
    expect(await screen.findByRole('heading', { name: 'Templates' })).toBeTruthy();
  });
});
