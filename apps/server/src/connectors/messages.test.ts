import type { WorkflowStep } from '@visapi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsWith, failure, memoryConnectors, stepContext as context } from '../../test/support/providers/in-memory';
import { FakeMetaWhatsApp } from '../../test/support/providers/meta-wa-api';
import { StepRunner } from '../engine/step-runner';
import { TemplateRenderer, type TemplateScope } from '../engine/templating';

/**
 * Message templates and the scope they render with: the shipped visa_approved templates take
 * SPEC §4's variables ({name, letter}) and their earlier ones ({name, country, applicationId});
 * a message step without `variables` renders its template with the run's scope.
 */
const { registry, outbox } = memoryConnectors();
const runner = new StepRunner(registry, new TemplateRenderer());
const scope: TemplateScope = {
  input: { applicant: { firstName: 'Dana', lastName: 'Levi', phone: '+972541234567' }, applicationId: 'IL-2026-0042', country: 'Israel' },
  vars: { opsChannel: '#visa-ops' },
  steps: { letter: { url: 'https://files.example/files/pdf/l.pdf?sig=abc', key: 'pdf/2026-11-30/l.pdf', pages: 1 } },
  run: { id: 'run-1', workflowId: 'wf-1', triggeredAt: '2026-11-30T00:00:00.000Z' },
};

async function sandboxed(step: Partial<WorkflowStep> & Pick<WorkflowStep, 'type' | 'config'>, at: TemplateScope = scope) {
  const outcome = await runner.attempt({ id: 'message', retries: 0, timeout: 5_000, ...step }, at, { runId: 'r', attempt: 1 });
  if (outcome.status !== 'succeeded') throw new Error(`step ${outcome.status}: ${JSON.stringify(outcome)}`);
  return outbox.find((outcome.output as { outboxId: string }).outboxId)!;
}

const send = (channel: 'whatsapp' | 'email' | 'slack', locale: string, variables: Record<string, unknown>) => {
  const type = `${channel === 'email' ? 'email' : channel}.send` as const;
  const to = channel === 'whatsapp' ? '+972541234567' : channel === 'email' ? 'dana@example.com' : undefined;
  return registry.get(type)!.execute({ to, channel: channel === 'slack' ? '#ops' : undefined, template: 'visa_approved', locale, variables }, context());
};
const text = async (channel: 'whatsapp' | 'email' | 'slack', locale: string, variables: Record<string, unknown>) => {
  const row = outbox.find(((await send(channel, locale, variables)) as { outboxId: string }).outboxId)!;
  return channel === 'email' ? `${row.payload.subject} | ${row.payload.text}` : (row.payload.text as string);
};

describe('shipped visa_approved message templates', () => {
  const letter = 'https://files.example/files/pdf/l.pdf?sig=abc';

  it('render with SPEC §4’s {name, letter}, in English and Hebrew', async () => {
    expect(await text('whatsapp', 'en', { name: 'Dana', letter })).toBe(`Good news, Dana! Your visa has been approved. Your approval letter: ${letter}`);
    expect(await text('whatsapp', 'he-IL', { name: 'דנה', letter })).toBe(`בשורה טובה, דנה! הוויזה שלך אושרה. מכתב האישור: ${letter}`);
    expect(await text('email', 'en', { name: 'Dana', letter })).toBe(
      `Your visa is approved | Hello Dana,\n\nYour visa has been approved. Your approval letter: ${letter}\n(the link is valid for 24 hours; the letter stays in your account)`,
    );
    expect(await text('email', 'he', { name: 'דנה', letter })).toContain(`מכתב האישור: ${letter}`);
    expect(await text('slack', 'en', { name: 'Dana', letter })).toBe(':white_check_mark: Visa approved for Dana');
  });

  it('still render with their earlier {name, country, applicationId}, without a letter', async () => {
    const earlier = { name: 'Dana', country: 'Israel', applicationId: 'IL-1' };
    expect(await text('whatsapp', 'en', earlier)).toBe('Good news, Dana! Your visa to Israel (application IL-1) has been approved.');
    expect(await text('whatsapp', 'he', { ...earlier, country: 'ישראל' })).toBe('בשורה טובה, Dana! הוויזה שלך לישראל (בקשה IL-1) אושרה.');
    expect(await text('email', 'en', earlier)).toBe(
      'Your visa to Israel is approved | Hello Dana,\n\nYour visa to Israel (application IL-1) has been approved. Your approval letter is attached to this application in your account.',
    );
    expect(await text('email', 'he', earlier)).toBe('הוויזה שלך לIsrael אושרה | שלום Dana,\n\nהוויזה שלך לIsrael (בקשה IL-1) אושרה. מכתב האישור זמין בחשבונך.');
    expect(await text('slack', 'en', { applicationId: 'IL-1', country: 'Israel' })).toBe(':white_check_mark: Visa approved: application IL-1 (Israel)');
    expect(await text('slack', 'he', { applicationId: 'IL-1', country: 'Israel' })).toBe(':white_check_mark: ויזה אושרה: בקשה IL-1 (Israel)');
  });

  it('the name stays required: a step without it fails permanently, naming it', async () => {
    const error = await failure(send('whatsapp', 'en', { letter }));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringContaining('undefined variable: name')]);
  });

  it('WhatsApp body parameters are the variables given, in the template’s order (name, country, applicationId, letter)', async () => {
    const row = outbox.find(((await send('whatsapp', 'en', { letter, name: 'Dana' })) as { outboxId: string }).outboxId)!;
    expect(row.payload.template).toMatchObject({ providerRef: 'visa_approved', parameters: ['name', 'letter'], variables: { name: 'Dana', letter } });
    const earlier = outbox.find(((await send('whatsapp', 'en', { applicationId: 'IL-1', name: 'Dana', country: 'Israel' })) as { outboxId: string }).outboxId)!;
    expect(earlier.payload.template).toMatchObject({ parameters: ['name', 'country', 'applicationId'] });
  });
});

describe('visa_approved_ops (Slack, the run’s scope)', () => {
  it('names the applicant, the application, the country and the letter’s page count — never the link', async () => {
    const row = await sandboxed({ type: 'slack.send', config: { channel: '{{ vars.opsChannel }}', template: 'visa_approved_ops' } });
    expect(row.payload.text).toBe(':white_check_mark: Visa approved: Dana Levi, application IL-2026-0042 (Israel). Approval letter generated (1 page). Run run-1');
    expect(JSON.stringify(row.payload)).not.toContain('sig=abc');
    const he = await sandboxed({ type: 'slack.send', config: { channel: '#ops', template: 'visa_approved_ops', locale: 'he' } }, { ...scope, steps: { letter: { pages: 3 } } });
    expect(he.payload.text).toBe(':white_check_mark: ויזה אושרה: Dana Levi, בקשה IL-2026-0042 (Israel). מכתב האישור הופק (3 עמ׳). הרצה run-1');
  });

  it('without a letter step, leaves the letter out; without the applicant, fails permanently', async () => {
    const row = await sandboxed({ type: 'slack.send', config: { channel: '#ops', template: 'visa_approved_ops' } }, { ...scope, steps: {} });
    expect(row.payload.text).toBe(':white_check_mark: Visa approved: Dana Levi, application IL-2026-0042 (Israel). Run run-1');
    const outcome = await runner.attempt({ id: 'ops', type: 'slack.send', config: { channel: '#ops', template: 'visa_approved_ops' } }, { ...scope, input: { applicationId: 'x' } }, { runId: 'r', attempt: 1 });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('undefined variable: input.applicant') } });
  });
});

describe('a message step without variables renders with the run’s scope', () => {
  it('slack, whatsapp and email: input, vars, steps and run reach the template; forEach items too', async () => {
    const custom = memoryConnectors();
    custom.templates.put({ name: 'scoped', channel: 'whatsapp', locale: 'en', providerRef: 'scoped', body: 'Hi {{ input.applicant.firstName }}, {{ steps.letter.pages }} page(s) at {{ vars.opsChannel }} ({{ run.id }}){% if item %} #{{ index }} {{ item }}{% endif %}' });
    custom.templates.put({ name: 'scoped', channel: 'email', locale: 'en', subject: 'For {{ input.applicant.lastName }}', body: 'Application {{ input.applicationId }}' });
    const scopedRunner = new StepRunner(custom.registry, new TemplateRenderer());
    const run = async (step: Partial<WorkflowStep> & Pick<WorkflowStep, 'type' | 'config'>) => {
      const outcome = await scopedRunner.attempt({ id: 's', ...step }, scope, { runId: 'r', attempt: 1 });
      expect(outcome.status, JSON.stringify(outcome)).toBe('succeeded');
      const outputs = step.forEach ? (outcome as { output: Array<{ outboxId: string }> }).output : [(outcome as { output: { outboxId: string } }).output];
      return outputs.map((o) => custom.outbox.find(o.outboxId)!.payload);
    };
    const [wa] = await run({ type: 'whatsapp.send', config: { to: '{{ input.applicant.phone }}', template: 'scoped' } });
    expect(wa!.text).toBe('Hi Dana, 1 page(s) at #visa-ops (run-1)');
    // The provider gets the values the template outputs, by path — never the scope itself.
    expect(wa!.template).toEqual({
      name: 'scoped',
      providerRef: 'scoped',
      locale: 'en',
      parameters: ['input.applicant.firstName', 'steps.letter.pages', 'vars.opsChannel', 'run.id'],
      variables: { 'input.applicant.firstName': 'Dana', 'steps.letter.pages': '1', 'vars.opsChannel': '#visa-ops', 'run.id': 'run-1' },
    });
    expect(JSON.stringify(wa)).not.toContain('sig=abc');
    const each = await scopedRunner.attempt({ id: 'each', type: 'whatsapp.send', forEach: 'input.list', config: { to: '+972541234567', template: 'scoped' } }, { ...scope, input: { ...(scope.input as object), list: ['a', 'b'] } }, { runId: 'r', attempt: 1 });
    expect((each as { output: Array<{ outboxId: string }> }).output.map((o) => custom.outbox.find(o.outboxId)!.payload.text)).toEqual([
      'Hi Dana, 1 page(s) at #visa-ops (run-1) #0 a',
      'Hi Dana, 1 page(s) at #visa-ops (run-1) #1 b',
    ]);
    const [mail] = await run({ type: 'email.send', config: { to: 'dana@example.com', template: 'scoped' } });
    expect([mail!.subject, mail!.text]).toEqual(['For Levi', 'Application IL-2026-0042']);
  });

  it('with variables, exactly those: the scope is not reachable', async () => {
    const outcome = await runner.attempt({ id: 'v', type: 'slack.send', config: { channel: '#ops', template: 'visa_approved_ops', variables: { name: 'x' } } }, scope, { runId: 'r', attempt: 1 });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('undefined variable: input') } });
  });

  it('a handler called without a scope (no step runner) renders with no variables, as before', async () => {
    const error = await failure(registry.get('slack.send')!.execute({ channel: '#ops', template: 'visa_approved_ops' }, context()));
    expect(error.message).toContain('undefined variable: input');
  });
});

describe('visa_approved through the WhatsApp Cloud API (meta): positional parameters match the approved template', () => {
  const meta = new FakeMetaWhatsApp();
  beforeAll(() => meta.start());
  afterAll(() => meta.stop());

  it('SPEC §4’s {name, letter} goes as two parameters; the earlier three-variable shape as three', async () => {
    const { registry: metaRegistry } = memoryConnectors(settingsWith({ whatsapp: { provider: 'meta', meta: { token: meta.token, phoneNumberId: meta.phoneNumberId, apiUrl: meta.base } } }));
    meta.templates.set('visa_approved/en', 2);
    const letter = 'https://files.example/files/pdf/l.pdf?sig=abc';
    await metaRegistry.get('whatsapp.send')!.execute({ to: '+972541234567', template: 'visa_approved', locale: 'en', variables: { name: 'Dana', letter } }, context());
    const sent = (meta.messages().at(-1) as { template: { components: Array<{ parameters: Array<{ text: string }> }> } }).template;
    expect(sent.components[0]!.parameters.map((p) => p.text)).toEqual(['Dana', letter]);
    await metaRegistry.get('whatsapp.send')!.execute({ to: '+972541234567', template: 'visa_approved', locale: 'he', variables: { name: 'דנה', country: 'ישראל', applicationId: 'IL-1' } }, context());
    const earlier = (meta.messages().at(-1) as { template: { components: Array<{ parameters: Array<{ text: string }> }> } }).template;
    expect(earlier.components[0]!.parameters.map((p) => p.text)).toEqual(['דנה', 'ישראל', 'IL-1']);
  });
});
