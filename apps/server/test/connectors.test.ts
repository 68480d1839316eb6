import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '../src/connectors/ports';
import { createStepRegistry } from '../src/connectors/registry';
import { StepError } from '../src/engine/errors';
import { redact } from '../src/logs/redaction';
import { StepRunner } from '../src/engine/step-runner';
import type { StepRegistry } from '../src/engine/step-types';
import { TemplateRenderer, type TemplateScope } from '../src/engine/templating';
import { OutboxRepository } from '../src/outbox/outbox.repository';
import { loadConfig } from '../src/platform/config/config';
import { connectorSettings } from '../src/runs/step-registry.provider';
import { seed } from '../src/seed/seed';
import { TemplateRegistry } from '../src/templates/template-registry';
import { TemplatesRepository } from '../src/templates/templates.repository';
import type { PutTemplate } from '@visapi/contracts';
import { FakeCgb } from './support/providers/cgb-api';
import { FakeMetaWhatsApp } from './support/providers/meta-wa-api';
import { FakeSlack } from './support/providers/slack-api';
import { TestSmtpServer } from './support/smtp-server';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Contract tests: each connector against a local server that speaks its provider's API,
 * asserting on exactly what VisAPI sent and on how each failure is classified. Templates
 * and the outbox are the real ones, on this file's database.
 */
let infra: TestInfra;
let t: TestApp;
const slack = new FakeSlack();
const cgb = new FakeCgb();
const meta = new FakeMetaWhatsApp();
const smtp = new TestSmtpServer();
let smtpUrl: string;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'worker' });
  await seed(t.runtime);
  await Promise.all([slack.start(), cgb.start(), meta.start()]);
  smtpUrl = await smtp.start();
});
afterAll(async () => {
  await t?.close();
  await Promise.all([slack.stop(), cgb.stop(), meta.stop(), smtp.stop()]);
  await infra?.cleanup();
});

function registry(env: Record<string, string> = {}, resolveHost?: HostResolver): StepRegistry {
  const config = loadConfig({ DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, ...env });
  return createStepRegistry({ settings: connectorSettings(config), templates: t.app.get(TemplateRegistry), outbox: t.app.get(OutboxRepository), renderer: new TemplateRenderer(), resolveHost });
}

/** A resolver that answers every name with these addresses (a name an attacker points at us). */
const resolvingTo =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const context = (stepId = 'notify') => ({ signal: new AbortController().signal, runId: '00000000-0000-4000-8000-000000000001', stepId, attempt: 1 });

async function failure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StepError);
  return error as StepError;
}

async function putTemplate(template: PutTemplate) {
  await t.app.get(TemplatesRepository).upsert(template, null);
  await t.app.get(TemplateRegistry).changed();
}

const scope: TemplateScope = { input: {}, vars: {}, steps: {}, run: { id: 'r', workflowId: 'w', triggeredAt: '' } };
const runStep = (reg: StepRegistry, type: string, config: Record<string, unknown>) =>
  new StepRunner(reg, new TemplateRenderer()).attempt({ id: 'bad', type: type as 'slack.send', retries: 0, timeout: 5_000, config }, scope, { runId: 'r', attempt: 1 });

describe('slack.send (Web API chat.postMessage)', () => {
  const withToken = () => registry({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.base });

  it('posts the channel and text as JSON with the bot token and returns {channel, ts}', async () => {
    const before = slack.requests.length;
    const result = await withToken().get('slack.send')!.execute({ channel: '#visa-ops', text: 'Hello ops' }, context());
    expect(result).toEqual({ channel: 'C0VISAOPS', ts: expect.stringMatching(/^\d+\.\d+$/) });
    const [sent] = slack.requests.slice(before);
    expect(sent!.headers.authorization).toBe(`Bearer ${slack.token}`);
    expect(sent!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sent!.body).toEqual({ channel: '#visa-ops', text: 'Hello ops' });
  });

  it('renders a registry template in the best locale (he-IL → he), Hebrew intact, and passes blocks and thread', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*שלום*' } }];
    await withToken().get('slack.send')!.execute(
      { channel: '#visa-ops', template: 'application_status_update', locale: 'he-IL', variables: { count: 2, summary: 'אושר' }, blocks, threadTs: '1.2' },
      context(),
    );
    expect(slack.posted().at(-1)).toEqual({ channel: '#visa-ops', text: ':passport_control: עדכון סטטוס נשלח ל-2 מבקשים: אושר', blocks, thread_ts: '1.2' });
  });

  it('classifies Slack errors: channel_not_found and invalid_auth permanent, ratelimited/429/5xx transient with Retry-After', async () => {
    const send = withToken().get('slack.send')!;
    const unknown = await failure(send.execute({ channel: '#nowhere', text: 'x' }, context()));
    expect([unknown.errorClass, unknown.message]).toEqual(['permanent', 'slack.send: chat.postMessage to #nowhere failed: channel_not_found']);

    const badToken = registry({ SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_API_URL: slack.base }).get('slack.send')!;
    expect((await failure(badToken.execute({ channel: '#visa-ops', text: 'x' }, context()))).message).toContain('invalid_auth');

    slack.failNext({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } }, { status: 503, body: 'down' }, { status: 200, body: { ok: false, error: 'internal_error' } });
    const limited = await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()));
    expect([limited.errorClass, limited.retryAfterMs]).toEqual(['transient', 7_000]);
    expect((await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()))).errorClass).toBe('transient');
    expect((await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()))).errorClass).toBe('transient');
  });

  it('posts to an incoming webhook instead when the step names one; its 4xx answers are permanent', async () => {
    const send = registry({ HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' }).get('slack.send')!;
    expect(await send.execute({ webhookUrl: `${slack.base}/services/T0/B0/good`, text: 'via hook' }, context())).toEqual({ channel: null, ts: null });
    const hook = slack.requests.at(-1)!;
    expect([hook.path, hook.body, hook.headers.authorization]).toEqual(['/api/services/T0/B0/good', { text: 'via hook' }, undefined]);
    const gone = await failure(send.execute({ webhookUrl: `${slack.base}/services/T0/B0/gone`, text: 'x' }, context()));
    expect([gone.errorClass, gone.message]).toEqual(['permanent', 'slack.send: incoming webhook answered 410 channel_is_archived']);
  });

  it('refuses a step webhook URL on a private or loopback address unless allow-listed (it may come from input)', async () => {
    const before = slack.requests.length;
    const refused = await failure(registry().get('slack.send')!.execute({ webhookUrl: `${slack.base}/services/T0/B0/good`, text: 'x' }, context()));
    expect([refused.errorClass, refused.message]).toEqual(['permanent', expect.stringMatching(/^slack\.send: 127\.0\.0\.1 is a private, loopback or reserved address \(127\.0\.0\.0\/8\); allow it with HTTP_STEP_ALLOWED_HOSTS$/)]);
    expect(slack.requests.length).toBe(before);
  });

  it('issue 9 #1: a step webhook URL through a mapped IPv6 address, or a name resolving to loopback, never reaches the local server', async () => {
    const before = slack.requests.length;
    const port = new URL(slack.base).port;
    const send = registry({}, resolvingTo('8.8.8.8', '127.0.0.1')).get('slack.send')!;
    for (const host of ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[64:ff9b::127.0.0.1]', '2130706433', 'hooks.attacker.test']) {
      const refused = await failure(send.execute({ webhookUrl: `http://${host}:${port}/api/services/T0/B0/good`, text: 'x' }, context()));
      expect([refused.errorClass, refused.message], host).toEqual(['permanent', expect.stringMatching(/^slack\.send: .+ a private, loopback or reserved address \(127\.0\.0\.0\/8\); allow it with HTTP_STEP_ALLOWED_HOSTS$/)]);
    }
    expect(slack.requests.length).toBe(before);
    // Allow-listed by CIDR, the mapped form of an allowed address is allowed too.
    const allowed = registry({ HTTP_STEP_ALLOWED_HOSTS: '127.0.0.0/8' }).get('slack.send')!;
    await allowed.execute({ webhookUrl: `http://[::ffff:127.0.0.1]:${port}/api/services/T0/B0/good`, text: 'mapped' }, context());
    expect(slack.requests.slice(before).map((r) => r.body)).toEqual([{ text: 'mapped' }]);
  });

  it('without credentials, keeps the rendered message in the outbox and sends nothing', async () => {
    const before = slack.requests.length;
    const result = (await registry().get('slack.send')!.execute({ channel: '#visa-ops', template: 'visa_approved', variables: { applicationId: 'A-1', country: 'Japan' } }, context('sandboxed'))) as { outboxId: string };
    expect(result).toMatchObject({ channel: '#visa-ops', ts: null, sandbox: true });
    expect(slack.requests.length).toBe(before);
    const [row] = await t.app.get(OutboxRepository).list({ runId: context().runId, connector: 'slack.send' }, 1);
    expect(row).toMatchObject({ id: result.outboxId, recipient: '#visa-ops', step_id: 'sandboxed' });
    expect(row!.payload).toMatchObject({ channel: '#visa-ops', text: ':white_check_mark: Visa approved: application A-1 (Japan)', template: { name: 'visa_approved', locale: 'en', version: 1 } });
  });

  it('refuses a bad config as a permanent error naming the field, and a template variable left out', async () => {
    const outcome = await runStep(registry(), 'slack.send', { channel: '#x' });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: 'slack.send step bad: invalid config: config: needs text or template' } });
    const missing = await failure(registry().get('slack.send')!.execute({ channel: '#x', template: 'visa_approved', variables: { applicationId: 'A' } }, context()));
    expect([missing.errorClass, missing.message]).toEqual(['permanent', expect.stringContaining('template visa_approved/slack/en: undefined variable: country')]);
    const none = await failure(registry().get('slack.send')!.execute({ channel: '#x', template: 'no_such' }, context()));
    expect(none.message).toBe('no slack template "no_such" for locale en (nor its language or en)');
  });
});

describe('http.request (address guard)', () => {
  it('issue 9 #1: a URL from input through a mapped IPv6, NAT64, decimal or hex address, or a name resolving to loopback, is refused before any connection', async () => {
    const before = slack.requests.length;
    const port = new URL(slack.base).port;
    const reg = registry({}, resolvingTo('127.0.0.1'));
    for (const host of ['[::ffff:127.0.0.1]', '[::ffff:a9fe:a9fe]', '[64:ff9b::7f00:1]', '2130706433', '0x7f.1', '0177.0.0.1', 'internal.attacker.test']) {
      const outcome = await runStep(reg, 'http.request', { url: `http://${host}:${port}/api/chat.postMessage` });
      expect(outcome, host).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringMatching(/^http\.request: .+ a private, loopback or reserved address \(.+\); allow it with HTTP_STEP_ALLOWED_HOSTS$/) } });
    }
    expect(slack.requests.length).toBe(before);
  });

  it('issue 9 #1: a name that fails to resolve is a transient error, not a request that goes ahead', async () => {
    const failing: HostResolver = async () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    const outcome = await runStep(registry({}, failing), 'http.request', { url: 'http://flaky.attacker.test/x' });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'transient', message: 'http.request: could not resolve flaky.attacker.test (EAI_AGAIN)' } });
  });
});

describe('whatsapp.send through ChatGPT Builder (cgb)', () => {
  const send = () => registry({ WHATSAPP_PROVIDER: 'cgb', CGB_API_KEY: cgb.apiKey, CGB_API_URL: cgb.base }).get('whatsapp.send')!;

  it('finds the contact by phone, sets the variables as custom fields (form bodies), then sends the template’s flow', async () => {
    await putTemplate({ name: 'cgb_status', channel: 'whatsapp', locale: 'he', providerRef: '112', body: 'שלום {{ name }}, {{ applicationId }}: {{ status }}' });
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
    await putTemplate({ name: 'cgb_unknown_flow', channel: 'whatsapp', locale: 'en', providerRef: '999', body: 'Hi {{ name }}' });
    const rejected = await failure(send().execute({ to: '+972501234567', template: 'cgb_unknown_flow', variables: { name: 'D' } }, context()));
    expect([rejected.errorClass, rejected.message]).toEqual(['permanent', 'whatsapp.send (cgb): send flow 999 (template cgb_unknown_flow) answered 404: Flow not found']);

    cgb.failNext({ status: 429, headers: { 'retry-after': '3' }, body: { message: 'Too Many Attempts.' } });
    const limited = await failure(send().execute({ to: '+972501234567', text: 'x' }, context()));
    expect([limited.errorClass, limited.retryAfterMs]).toEqual(['transient', 3_000]);
    cgb.failNext({ status: 502, body: { message: 'Bad gateway' } });
    expect((await failure(send().execute({ to: '+972501234567', text: 'x' }, context()))).errorClass).toBe('transient');

    const wrongKey = registry({ WHATSAPP_PROVIDER: 'cgb', CGB_API_KEY: 'nope', CGB_API_URL: cgb.base }).get('whatsapp.send')!;
    const refused = await failure(wrongKey.execute({ to: '+972501234567', text: 'x' }, context()));
    expect([refused.errorClass, refused.message]).toEqual(['permanent', 'whatsapp.send (cgb): find contact answered 401: Unauthenticated.']);
  });

  it('refuses a number that is not E.164 before calling anyone', async () => {
    const before = cgb.requests.length;
    for (const to of ['0501234567', '+0501234567', '972501234567', '+97250123456789012']) {
      const outcome = await runStep(registry({ WHATSAPP_PROVIDER: 'cgb', CGB_API_KEY: cgb.apiKey, CGB_API_URL: cgb.base }), 'whatsapp.send', { to, text: 'x' });
      expect(outcome, to).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('config.to: must be a phone number in E.164 form') } });
    }
    expect(cgb.requests.length).toBe(before);
  });
});

describe('whatsapp.send through the WhatsApp Cloud API (meta)', () => {
  const send = (token = meta.token) =>
    registry({ WHATSAPP_PROVIDER: 'meta', META_WA_TOKEN: token, META_WA_PHONE_NUMBER_ID: meta.phoneNumberId, META_WA_API_URL: meta.base }).get('whatsapp.send')!;

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
    const sandboxed = registry({ WHATSAPP_PROVIDER: 'meta', META_WA_TOKEN: meta.token }).get('whatsapp.send')!;
    const before = meta.requests.length;
    const result = (await sandboxed.execute({ to: '+972501234567', template: 'application_status_update', locale: 'he', variables: { name: 'דנה', applicationId: 'A-1', status: 'אושר' } }, context('wa-sandbox'))) as { outboxId: string };
    expect(meta.requests.length).toBe(before);
    const [row] = await t.app.get(OutboxRepository).list({ connector: 'whatsapp.send' }, 1);
    expect(row).toMatchObject({ id: result.outboxId, recipient: '+972501234567' });
    expect(row!.payload).toMatchObject({ provider: 'meta', to: '+972501234567', text: 'שלום דנה, סטטוס בקשת הוויזה שלך A-1 עודכן: אושר.', template: { name: 'application_status_update', locale: 'he', parameters: ['name', 'applicationId', 'status'] } });
  });
});

describe('email.send (SMTP)', () => {
  const send = () => registry({ SMTP_URL: smtpUrl, MAIL_FROM: 'VisAPI <visa@example.com>' }).get('email.send')!;

  it('sends a template’s subject and text, with a right-to-left HTML part for Hebrew', async () => {
    const mail = smtp.nextMail();
    const result = await send().execute({ to: 'dana@example.com', template: 'visa_approved', locale: 'he', variables: { name: 'דנה', country: 'יפן', applicationId: 'A-3' } }, context());
    expect(result).toEqual({ messageId: expect.stringMatching(/^<.+>$/) });
    const received = await mail;
    expect(received.subject).toBe('הוויזה שלך ליפן אושרה');
    expect(received.text).toContain('הוויזה שלך ליפן (בקשה A-3) אושרה.');
    expect(received.html).toContain('dir="rtl"');
    expect(received.html).toContain('שלום דנה,');
    expect(received.from?.value[0]).toMatchObject({ name: 'VisAPI', address: 'visa@example.com' });
    expect(received.to && 'text' in received.to ? received.to.text : '').toBe('dana@example.com');
  });

  it('sends inline subject and text as given', async () => {
    const mail = smtp.nextMail();
    await send().execute({ to: ['a@example.com', 'b@example.com'], subject: 'Hi', text: 'Plain <b>text</b>' }, context());
    const received = await mail;
    expect([received.subject, received.text?.trim(), received.html]).toEqual(['Hi', 'Plain <b>text</b>', false]);
  });

  it('issue 9 #18: inline html escapes what it interpolates (| raw opts out); subject and text stay as they are', async () => {
    const input = { name: '<script>alert(1)</script>', link: '<a href="https://evil.example/">click</a>' };
    const step = {
      id: 'mail',
      type: 'email.send' as const,
      retries: 0,
      timeout: 5_000,
      config: {
        to: 'dana@example.com',
        subject: 'Hi {{ input.name }}',
        text: 'Hello {{ input.name }}',
        html: '<p>Hello {{ input.name }}</p><div>{{ input.link }}</div>{{ "<b>kept</b>" | raw }}',
      },
    };
    const mail = smtp.nextMail();
    const outcome = await new StepRunner(registry({ SMTP_URL: smtpUrl }), new TemplateRenderer()).attempt(step, { ...scope, input }, { runId: 'r', attempt: 1 });
    expect(outcome.status).toBe('succeeded');
    const received = await mail;
    expect(received.html).toBe('<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p><div>&lt;a href=&#34;https://evil.example/&#34;&gt;click&lt;/a&gt;</div><b>kept</b>');
    expect([received.subject, received.text?.trim()]).toEqual(['Hi <script>alert(1)</script>', 'Hello <script>alert(1)</script>']);

    // A lone expression is escaped too (it is not passed through as a value).
    const lone = smtp.nextMail();
    await new StepRunner(registry({ SMTP_URL: smtpUrl }), new TemplateRenderer()).attempt({ ...step, config: { to: 'dana@example.com', subject: 's', html: '{{ input.name }}' } }, { ...scope, input }, { runId: 'r', attempt: 1 });
    expect(String((await lone).html).trim()).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('issue 9 #18: a template mail escapes its variables in the HTML part', async () => {
    const mail = smtp.nextMail();
    await send().execute({ to: 'dana@example.com', template: 'visa_approved', locale: 'en', variables: { name: '<script>x</script>', country: 'Japan', applicationId: 'A-3' } }, context());
    const received = await mail;
    expect(received.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(received.html).not.toContain('<script>');
  });

  it('a refused mailbox (550) is permanent; an unreachable server is transient', async () => {
    smtp.refuse.add('nobody@example.com');
    const refused = await failure(send().execute({ to: 'nobody@example.com', subject: 'x', text: 'x' }, context()));
    expect(refused.errorClass).toBe('permanent');
    const down = registry({ SMTP_URL: 'smtp://127.0.0.1:1' }).get('email.send')!;
    expect((await failure(down.execute({ to: 'a@example.com', subject: 'x', text: 'x' }, context()))).errorClass).toBe('transient');
  });

  it('without SMTP_URL, the mail goes to the outbox', async () => {
    const result = (await registry().get('email.send')!.execute({ to: 'dana@example.com', template: 'payment_receipt', variables: { name: 'Dana', amount: '120.00', currency: 'USD', reference: 'R-1' } }, context('mail'))) as { outboxId: string };
    const [row] = await t.app.get(OutboxRepository).list({ connector: 'email.send' }, 1);
    expect(row).toMatchObject({ id: result.outboxId, recipient: 'dana@example.com' });
    expect(row!.payload).toMatchObject({ subject: 'Payment received: 120.00 USD', text: expect.stringContaining('Reference: R-1') });
  });
});

describe('template lookup', () => {
  it('falls back from he-IL to he to the default locale, and misses cleanly', async () => {
    const templates = t.app.get(TemplateRegistry);
    expect((await templates.resolve('visa_approved', 'slack', 'he-IL'))?.locale).toBe('he');
    expect((await templates.resolve('visa_approved', 'slack', 'fr-CA'))?.locale).toBe('en');
    expect((await templates.resolve('visa_approved', 'slack'))?.locale).toBe('en');
    expect(await templates.resolve('visa_approved', 'pdf', 'en')).toBeUndefined();
  });
});

describe('registry templates and partials (issue 9 #5)', () => {
  const send = () => registry().get('slack.send')!; // sandboxed: the rendered text lands in the outbox
  const posted = async (stepId: string) => (await t.app.get(OutboxRepository).list({ runId: context().runId, connector: 'slack.send' }, 50)).find((r) => r.step_id === stepId)!.payload as { text: string };

  it('issue 9 #5: a registry template renders another registry template (same channel, locale chain) as a partial', async () => {
    await putTemplate({ name: 'letterhead', channel: 'slack', locale: 'en', body: 'VisAPI Consulate ({{ office }})' });
    await putTemplate({ name: 'letterhead', channel: 'slack', locale: 'he', body: 'קונסוליית VisAPI ({{ office }})' });
    await putTemplate({ name: 'letter', channel: 'slack', locale: 'en', body: '{% render "letterhead", office: office %}: application {{ applicationId }} approved' });
    await send().execute({ channel: '#ops', template: 'letter', variables: { office: 'Tel Aviv', applicationId: 'A-7' } }, context('partial-en'));
    expect((await posted('partial-en')).text).toBe('VisAPI Consulate (Tel Aviv): application A-7 approved');
    // he-IL: the letter falls back to en, its letterhead is the Hebrew one.
    await send().execute({ channel: '#ops', template: 'letter', locale: 'he-IL', variables: { office: 'TLV', applicationId: 'A-8' } }, context('partial-he'));
    expect((await posted('partial-he')).text).toBe('קונסוליית VisAPI (TLV): application A-8 approved');
  });

  it('issue 9 #5: a registry template that includes a server file fails permanently, without the file', async () => {
    const pkg = (await import('node:fs')).readFileSync('package.json', 'utf8');
    for (const [name, body] of [['reads_package', '{% include "package.json" %}'], ['reads_key', "{% render '.visapi/data-encryption.key' %}"], ['reads_layout', "{% layout '../package.json' %}x"]] as const) {
      await putTemplate({ name, channel: 'slack', locale: 'en', body });
      const error = await failure(send().execute({ channel: '#ops', template: name }, context(name)));
      expect(error.errorClass, name).toBe('permanent');
      expect(error.message, name).toMatch(/no template named "package.json"|is not a template name/);
      expect(error.message).not.toContain(pkg.slice(0, 30));
    }
  });
});

