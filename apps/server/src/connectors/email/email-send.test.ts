import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsWith, failure, MemoryOutbox, MemoryTemplates, memoryConnectors, runStep, stepContext as context, type SettingsOverrides } from '../../../test/support/providers/in-memory';
import { TestSmtpServer } from '../../../test/support/smtp-server';

/** email.send against a real SMTP server in this process; templates and outbox in memory. */
const smtp = new TestSmtpServer();
const templates = new MemoryTemplates();
const outbox = new MemoryOutbox();
let smtpUrl: string;
beforeAll(async () => {
  smtpUrl = await smtp.start();
});
afterAll(() => smtp.stop());

const registry = (overrides: SettingsOverrides = {}) => memoryConnectors(settingsWith(overrides), { templates, outbox }).registry;

describe('email.send (SMTP)', () => {
  const send = () => registry({ email: { smtpUrl, from: 'VisAPI <visa@example.com>' } }).get('email.send')!;

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
    const outcome = await runStep(registry({ email: { smtpUrl } }), step.type, step.config, input);
    expect(outcome.status).toBe('succeeded');
    const received = await mail;
    expect(received.html).toBe('<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p><div>&lt;a href=&#34;https://evil.example/&#34;&gt;click&lt;/a&gt;</div><b>kept</b>');
    expect([received.subject, received.text?.trim()]).toEqual(['Hi <script>alert(1)</script>', 'Hello <script>alert(1)</script>']);

    // A lone expression is escaped too (it is not passed through as a value).
    const lone = smtp.nextMail();
    await runStep(registry({ email: { smtpUrl } }), step.type, { to: 'dana@example.com', subject: 's', html: '{{ input.name }}' }, input);
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
    const down = registry({ email: { smtpUrl: 'smtp://127.0.0.1:1' } }).get('email.send')!;
    expect((await failure(down.execute({ to: 'a@example.com', subject: 'x', text: 'x' }, context()))).errorClass).toBe('transient');
  });

  it('without SMTP_URL, the mail goes to the outbox', async () => {
    const result = (await registry().get('email.send')!.execute({ to: 'dana@example.com', template: 'payment_receipt', variables: { name: 'Dana', amount: '120.00', currency: 'USD', reference: 'R-1' } }, context('mail'))) as { outboxId: string };
    const row = outbox.find(result.outboxId);
    expect(row).toMatchObject({ recipient: 'dana@example.com' });
    expect(row!.payload).toMatchObject({ subject: 'Payment received: 120.00 USD', text: expect.stringContaining('Reference: R-1') });
  });
});
