import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../logs/redaction';
import { FakeCgb } from '../../../test/support/providers/cgb-api';
import { settingsWith, failure, MemoryOutbox, MemoryTemplates, memoryConnectors, runStep, stepContext as context, type SettingsOverrides } from '../../../test/support/providers/in-memory';
import { FakeMetaWhatsApp } from '../../../test/support/providers/meta-wa-api';

/**
 * whatsapp.send against local servers speaking ChatGPT Builder's API and the WhatsApp Cloud
 * API, asserting on exactly what was sent and how failures are classified; templates and
 * outbox in memory.
 */
const cgb = new FakeCgb();
const meta = new FakeMetaWhatsApp();
const templates = new MemoryTemplates();
const outbox = new MemoryOutbox();
beforeAll(() => Promise.all([cgb.start(), meta.start()]));
afterAll(() => Promise.all([cgb.stop(), meta.stop()]));

const registry = (overrides: SettingsOverrides = {}) => memoryConnectors(settingsWith(overrides), { templates, outbox }).registry;

describe('whatsapp.send through ChatGPT Builder (cgb)', () => {
  const send = () => registry({ whatsapp: { provider: 'cgb', cgb: { apiKey: cgb.apiKey, apiUrl: cgb.base } } }).get('whatsapp.send')!;

  it('finds the contact by phone, sets the variables as custom fields (form bodies), then sends the template’s flow', async () => {
    templates.put({ name: 'cgb_status', channel: 'whatsapp', locale: 'he', providerRef: '112', body: 'שלום {{ name }}, {{ applicationId }}: {{ status }}' });
    const before = cgb.requests.length;
    const result = await send().execute({ to: '+972501234567', template: 'cgb_status', locale: 'he', variables: { name: 'דנה', applicationId: 'A-7', status: 'אושר' } }, context());
    expect(result).toEqual({ messageId: expect.stringMatching(/^cgb-msg-/), contactId: '123' });
    const calls = cgb.requests.slice(before);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/contacts/find_by_custom_field',
      'POST /api/contacts/123/custom_fields/name',
      'POST /api/contacts/123/custom_fields/applicationId',
      'POST /api/contacts/123/custom_fields/status',
      'POST /api/contacts/123/send/112',
    ]);
    expect(Object.fromEntries(calls[0]!.query)).toEqual({ field_id: 'phone', value: '+972501234567' });
    expect(calls.every((r) => r.headers['x-access-token'] === cgb.apiKey)).toBe(true);
    expect(calls[1]!.raw).toBe(new URLSearchParams({ value: 'דנה' }).toString());
    expect(cgb.sent.at(-1)).toEqual({ contactId: 123, flowId: '112', fields: { name: 'דנה', applicationId: 'A-7', status: 'אושר' } });
  });

  it('creates a missing contact once and remembers it; inline text goes to send/text', async () => {
    const connector = send();
    await connector.execute({ to: '+14155550123', text: 'Your documents arrived' }, context());
    const result = await connector.execute({ to: '+14155550123', text: 'Second note' }, context());
    const created = cgb.contacts.find((c) => c.phone === '+14155550123')!;
    expect(result).toMatchObject({ contactId: String(created.id) });
    const forContact = cgb.requests.filter((r) => r.path === '/api/contacts' || r.query.get('value') === '+14155550123');
    expect(forContact.map((r) => r.method)).toEqual(['GET', 'POST']); // found missing, created, then cached
    expect(cgb.sent.filter((s) => s.contactId === created.id).map((s) => s.text)).toEqual(['Your documents arrived', 'Second note']);
    expect(cgb.requests.at(-1)!.body).toEqual({ text: 'Second note', channel: 'whatsapp' });
  });

  it('an unknown flow is a permanent error; 429 and 5xx are transient; a wrong key is permanent', async () => {
    templates.put({ name: 'cgb_unknown_flow', channel: 'whatsapp', locale: 'en', providerRef: '999', body: 'Hi {{ name }}' });
    const rejected = await failure(send().execute({ to: '+972501234567', template: 'cgb_unknown_flow', variables: { name: 'D' } }, context()));
    expect([rejected.errorClass, rejected.message]).toEqual(['permanent', 'whatsapp.send (cgb): send flow 999 (template cgb_unknown_flow) answered 404: Flow not found']);

    cgb.failNext({ status: 429, headers: { 'retry-after': '3' }, body: { message: 'Too Many Attempts.' } });
    const limited = await failure(send().execute({ to: '+972501234567', text: 'x' }, context()));
    expect([limited.errorClass, limited.retryAfterMs]).toEqual(['transient', 3_000]);
    cgb.failNext({ status: 502, body: { message: 'Bad gateway' } });
    expect((await failure(send().execute({ to: '+972501234567', text: 'x' }, context()))).errorClass).toBe('transient');

    const wrongKey = registry({ whatsapp: { provider: 'cgb', cgb: { apiKey: 'nope', apiUrl: cgb.base } } }).get('whatsapp.send')!;
    const refused = await failure(wrongKey.execute({ to: '+972501234567', text: 'x' }, context()));
    expect([refused.errorClass, refused.message]).toEqual(['permanent', 'whatsapp.send (cgb): find contact answered 401: Unauthenticated.']);
  });

  it('refuses a number that is not E.164 before calling anyone', async () => {
    const before = cgb.requests.length;
    for (const to of ['0501234567', '+0501234567', '972501234567', '+97250123456789012']) {
      const outcome = await runStep(registry({ whatsapp: { provider: 'cgb', cgb: { apiKey: cgb.apiKey, apiUrl: cgb.base } } }), 'whatsapp.send', { to, text: 'x' });
      expect(outcome, to).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('config.to: must be a phone number in E.164 form') } });
    }
    expect(cgb.requests.length).toBe(before);
  });
});

describe('whatsapp.send through the WhatsApp Cloud API (meta)', () => {
  const send = (token = meta.token) =>
    registry({ whatsapp: { provider: 'meta', meta: { token, phoneNumberId: meta.phoneNumberId, apiUrl: meta.base } } }).get('whatsapp.send')!;

  it('sends a template message: provider name, resolved language, body parameters in the template’s order', async () => {
    const result = await send().execute({ to: '+972501234567', template: 'application_status_update', locale: 'he-IL', variables: { status: 'אושר', name: 'דנה', applicationId: 'A-9' } }, context());
    expect(result).toEqual({ messageId: expect.stringMatching(/^wamid\./), contactId: '972501234567' });
    const request = meta.requests.at(-1)!;
    expect([request.path, request.headers.authorization]).toEqual([`/v21.0/${meta.phoneNumberId}/messages`, `Bearer ${meta.token}`]);
    expect(request.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '972501234567',
      type: 'template',
      template: {
        name: 'application_status_update',
        language: { code: 'he' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'דנה' }, { type: 'text', text: 'A-9' }, { type: 'text', text: 'אושר' }] }],
      },
    });
  });

  it('issue 9 #14: the result carries the WhatsApp id (a phone without a plus), which redaction masks', async () => {
    const result = await send().execute({ to: '+972501234567', text: 'Your passport is ready' }, context());
    expect(result).toMatchObject({ contactId: '972501234567' });
    const shown = JSON.stringify(redact(result));
    expect(shown).not.toContain('972501234567');
    expect(redact(result)).toMatchObject({ contactId: '972****4567' });
  });

  it('sends inline text as a text message', async () => {
    await send().execute({ to: '+14155550123', text: 'Your passport is ready' }, context());
    expect(meta.messages().at(-1)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '14155550123', type: 'text', text: { body: 'Your passport is ready' } });
  });

  it('a rejected template is permanent and says so; rate-limit codes and 5xx are transient; an expired token permanent', async () => {
    meta.templates.delete('application_status_update/en');
    const gone = await failure(send().execute({ to: '+972501234567', template: 'application_status_update', variables: { name: 'a', applicationId: 'b', status: 'c' } }, context()));
    expect(gone.message).toBe('whatsapp.send (meta): template application_status_update (application_status_update/en) rejected: HTTP 404, code 132001: Template name does not exist in the translation');
    meta.templates.set('application_status_update/en', 3);

    meta.failNext({ status: 400, body: { error: { message: 'Rate limit hit', type: 'OAuthException', code: 130429 } } }, { status: 500, body: { error: { message: 'Unknown', code: 131000 } } });
    expect((await failure(send().execute({ to: '+972501234567', text: 'x' }, context()))).errorClass).toBe('transient');
    expect((await failure(send().execute({ to: '+972501234567', text: 'x' }, context()))).errorClass).toBe('transient');
    const expired = await failure(send('EAAG-old').execute({ to: '+972501234567', text: 'x' }, context()));
    expect([expired.errorClass, expired.message]).toEqual(['permanent', expect.stringContaining('HTTP 401, code 190')]);
  });

  it('without a token or phone number id, the message goes to the outbox', async () => {
    const sandboxed = registry({ whatsapp: { provider: 'meta', meta: { token: meta.token } } }).get('whatsapp.send')!;
    const before = meta.requests.length;
    const result = (await sandboxed.execute({ to: '+972501234567', template: 'application_status_update', locale: 'he', variables: { name: 'דנה', applicationId: 'A-1', status: 'אושר' } }, context('wa-sandbox'))) as { outboxId: string };
    expect(meta.requests.length).toBe(before);
    const row = outbox.find(result.outboxId);
    expect(row).toMatchObject({ recipient: '+972501234567' });
    expect(row!.payload).toMatchObject({ provider: 'meta', to: '+972501234567', text: 'שלום דנה, סטטוס בקשת הוויזה שלך A-1 עודכן: אושר.', template: { name: 'application_status_update', locale: 'he', parameters: ['name', 'applicationId', 'status'] } });
  });
});
