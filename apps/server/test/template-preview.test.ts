import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let admin: string;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.get(ApiKeysService).ready;
  admin = (await createKey(t, ['manage_workflows', 'read_workflows'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
  for (const [locale, body] of [['en', 'VisAPI — {{ office }}'], ['he', 'ויזה API — {{ office }}']]) {
    const res = await call('PUT', '/api/v1/templates', { name: 'letterhead', channel: 'email', locale, subject: 'x', body });
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const call = (method: 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = { 'x-api-key': admin }) =>
  t.app.inject({ method, url, payload: payload as object, headers });
const preview = (payload: unknown, headers?: Record<string, string>) => call('POST', '/api/v1/templates/preview', payload, headers);

describe('POST /api/v1/templates/preview', () => {
  it('renders subject and body with the sample; what the sample lacks renders empty and is listed', async () => {
    const res = await preview({
      channel: 'email',
      subject: 'Application {{ application.id }} for {{ customer }}',
      body: 'Hello {{ name | capitalize }},\n{% if vip %}VIP {% endif %}{{ items | size }} items; {{ note }}{% for i in items %} {{ i.sku | upcase }}{% endfor %}',
      variables: { name: 'dana', application: { id: 'A-7' }, items: [{ sku: 'ab' }, { sku: 'cd' }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      subject: 'Application A-7 for ',
      body: 'Hello Dana,\n2 items;  AB CD',
      direction: 'ltr',
      missingVariables: ['customer', 'vip', 'note'],
    });
  });

  it('answers subject null without one, and variables default to none', async () => {
    const res = await preview({ channel: 'slack', body: 'Run {{ run_id }} done' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ subject: null, body: 'Run  done', direction: 'ltr', missingVariables: ['run_id'] });
  });

  it('says rtl for Hebrew, Arabic, Persian and Urdu locales and their regions, ltr for others', async () => {
    for (const [locale, direction] of [['he', 'rtl'], ['he-IL', 'rtl'], ['ar', 'rtl'], ['ar-EG', 'rtl'], ['fa', 'rtl'], ['fa-IR', 'rtl'], ['ur', 'rtl'], ['ur-PK', 'rtl'], ['en', 'ltr'], ['en-US', 'ltr'], ['fr', 'ltr'], ['hr', 'ltr'], ['pt-BR', 'ltr']]) {
      const res = await preview({ channel: 'whatsapp', locale, body: 'שלום {{ name }}', variables: { name: 'דנה' } });
      expect([locale, res.statusCode, res.json().direction]).toEqual([locale, 200, direction]);
      expect(res.json().body).toBe('שלום דנה');
    }
  });

  it('renders registry partials as a run would: same channel, the locale chain', async () => {
    const body = '{% render "letterhead", office: city %}\n{{ greeting }}';
    const he = await preview({ channel: 'email', locale: 'he-IL', body, variables: { city: 'ת״א', greeting: 'היי' } });
    expect(he.statusCode, he.body).toBe(200);
    expect(he.json()).toMatchObject({ body: 'ויזה API — ת״א\nהיי', direction: 'rtl', missingVariables: [] });
    const fr = await preview({ channel: 'email', locale: 'fr', body, variables: { greeting: 'Salut' } });
    expect(fr.json()).toMatchObject({ body: 'VisAPI — \nSalut', missingVariables: ['city'] });
    // Slack has no letterhead: a run would fail the same way.
    const slack = await preview({ channel: 'slack', body });
    expect(slack.statusCode).toBe(422);
    expect(slack.json().errors).toEqual([{ path: '$.body', message: expect.stringContaining('no template named "letterhead"'), line: 1, column: 1 }]);
  });

  it('422 with the message, line and column of each text that does not parse or render', async () => {
    const res = await preview({ channel: 'email', subject: 'Hi {{ name | shout }}', body: 'Line one\nLine two {% if x %} never closed' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: '/problems/unprocessable', status: 422, detail: 'The template does not render.' });
    expect(res.json().errors).toEqual([
      { path: '$.subject', message: expect.stringContaining('undefined filter: shout'), line: 1, column: 4 },
      { path: '$.body', message: expect.stringContaining('not closed'), line: 2, column: 10 },
    ]);
  });

  it('422 when a render hits the run limits, and never reads a server file', async () => {
    const doubling = '{% assign s = "x" %}{% for i in (1..24) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    const big = await preview({ channel: 'pdf', body: doubling });
    expect(big.statusCode).toBe(422);
    expect(big.json().errors[0]).toMatchObject({ path: '$.body', message: expect.stringContaining('memory alloc limit exceeded') });
    for (const body of ['{% include "package.json" %}', '{% render "../../package.json" %}', '{% layout "/etc/passwd" %}x']) {
      const res = await preview({ channel: 'pdf', body });
      expect([body, res.statusCode]).toEqual([body, 422]);
      expect(res.body).not.toMatch(/"name":|root:x:/);
    }
  });

  it('stores and audits nothing', async () => {
    const db = t.runtime.database.db;
    const logs = t.app.get(LogService);
    await logs.writer.flush();
    const count = async () => ({
      templates: (await db.selectFrom('templates').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
      logs: (await db.selectFrom('logs').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
    });
    const before = await count();
    expect((await preview({ channel: 'slack', body: 'x {{ y }}', variables: { y: 1 } })).statusCode).toBe(200);
    expect((await preview({ channel: 'slack', body: 'x {{ y | nope }}' })).statusCode).toBe(422);
    await logs.writer.flush();
    expect(await count()).toEqual(before);
  });

  it.each([
    ['no body', { channel: 'slack' }],
    ['an empty body', { channel: 'slack', body: '' }],
    ['a body over 100,000 characters', { channel: 'slack', body: 'x'.repeat(100_001) }],
    ['an unknown channel', { channel: 'fax', body: 'x' }],
    ['a bad locale', { channel: 'slack', locale: 'english', body: 'x' }],
    ['variables that are not an object', { channel: 'slack', body: 'x', variables: ['a'] }],
    ['an unknown field', { channel: 'slack', body: 'x', name: 'welcome' }],
    ['a subject over 998 characters', { channel: 'email', subject: 's'.repeat(999), body: 'x' }],
  ])('400 for %s', async (_, payload) => {
    const res = await preview(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation');
  });

  it('400 for a body that is not JSON', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/templates/preview', headers: { 'x-api-key': admin, 'content-type': 'application/json' }, payload: '{"channel":' });
    expect(res.statusCode).toBe(400);
  });

  it('admins and manage_workflows keys only', async () => {
    const body = { channel: 'slack', body: 'x' };
    const { cookie: adminCookie } = await signIn(t, 'admin@example.com', 'admin');
    expect((await preview(body, sessionHeaders(adminCookie))).statusCode).toBe(200);
    const { cookie: operator } = await signIn(t, 'operator@example.com', 'operator');
    expect((await preview(body, sessionHeaders(operator))).statusCode).toBe(403);
    const reader = await createKey(t, ['read_workflows']);
    expect((await preview(body, { 'x-api-key': reader.key })).statusCode).toBe(403);
    expect((await preview(body, {})).statusCode).toBe(401);
  });
});
