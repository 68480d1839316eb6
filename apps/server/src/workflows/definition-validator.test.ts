import { settingsWith, temporaryStorage } from '../../test/support/providers/in-memory';
import { STEP_TYPES, workflowDefinitionInputSchema, workflowDefinitionJsonSchema } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_CONFIG_SCHEMAS, createStepRegistry } from '../connectors/registry';
import { TemplateRenderer, templateSyntaxError } from '../engine/templating';
import { DefinitionValidator, stepReferences } from './definition-validator';

const validator = new DefinitionValidator();

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const valid = () => ({
  name: 'Visa approved',
  description: 'Tell the applicant and ops',
  version: '1.2.0',
  priority: 'critical',
  inputSchema: { type: 'object', required: ['applicant'], properties: { applicant: { type: 'object' } } },
  variables: { opsChannel: '#visa-ops' },
  triggers: [
    { type: 'webhook', key: 'visa-approved', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    { type: 'cron', schedule: '0 9 * * 1-5', timezone: 'Asia/Jerusalem', payload: {} },
    { type: 'manual' },
  ],
  steps: [
    { id: 'letter', type: 'http.request', config: { method: 'POST', url: 'https://letters.example/render', body: '{{ input }}' } },
    {
      id: 'notify',
      type: 'whatsapp.send',
      retries: 5,
      timeout: 30000,
      config: { to: '{{ input.applicant.phone }}', template: 'visa_approved', variables: { letter: '{{ steps.letter.body.url }}' } },
    },
    { id: 'ops', type: 'slack.send', if: '{% if steps.notify.messageId %}yes{% endif %}', config: { channel: '{{ vars.opsChannel }}', template: 'visa_approved' } },
  ],
});

function errorsOf(input: unknown) {
  const result = validator.check(input);
  if (result.ok) throw new Error('expected the definition to be refused');
  return result.errors;
}

describe('DefinitionValidator', () => {
  it('accepts the spec example and fills in the defaults', () => {
    const result = validator.check(valid());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition.enabled).toBe(true);
    expect(result.definition.steps[0]).toMatchObject({ retries: 3, timeout: 30000 });
    expect(result.definition.steps[1]).toMatchObject({ retries: 5 });
    expect(result.definition.triggers?.[1]).toMatchObject({ timezone: 'Asia/Jerusalem' });
  });

  it('does not change its input', () => {
    const input = valid();
    validator.check(input);
    expect(input.steps[0]).not.toHaveProperty('retries');
  });

  it('reports every schema problem, each with its JSON path', () => {
    const input = valid() as Record<string, unknown>;
    input.version = 'one';
    input.priority = 'urgent';
    input.extra = true;
    (input.steps as Array<Record<string, unknown>>)[0]!.id = 'bad id!';
    (input.steps as Array<Record<string, unknown>>)[1]!.retries = 11;
    (input.steps as Array<Record<string, unknown>>)[2]!.type = 'fax.send';
    (input.triggers as Array<Record<string, unknown>>)[0]!.key = 'Has Spaces';
    const paths = errorsOf(input).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.version', '$.priority', '$.extra', '$.steps[0].id', '$.steps[1].retries', '$.steps[2].type', '$.triggers[0].key']),
    );
  });

  it.each([
    [{ name: 'x', version: '1.0.0' }, '$.steps', 'is required'],
    [{ name: 'x', version: '1.0.0', steps: [] }, '$.steps', 'must NOT have fewer than 1 items'],
    [{ name: 'x', version: '1.0.0', steps: [{ id: 'a', type: 'delay', timeout: 999 }] }, '$.steps[0].timeout', '>= 1000'],
    [{ name: 'x', version: '1.0.0', steps: [{ id: 'a', type: 'delay' }], triggers: [{ type: 'cron' }] }, '$.triggers[0].schedule', 'is required'],
    [{ name: 'x', version: '1.0.0', steps: [{ id: 'a', type: 'delay' }], triggers: [{ type: 'email' }] }, '$.triggers[0].type', ''],
  ])('refuses %j at %s', (input, path, message) => {
    const errors = errorsOf(input);
    expect(errors.find((e) => e.path === path)?.message ?? '').toContain(message);
  });

  it('refuses duplicate step ids', () => {
    const input = valid();
    input.steps[2]!.id = 'letter';
    expect(errorsOf(input)).toContainEqual({ path: '$.steps[2].id', message: 'duplicate step id "letter" (also $.steps[0].id)' });
  });

  it('refuses an invalid cron expression or time zone', () => {
    const input = valid();
    input.triggers[1] = { type: 'cron', schedule: '61 25 * * *', timezone: 'Asia/Jerusalem', payload: {} };
    expect(errorsOf(input)[0]!.path).toBe('$.triggers[1].schedule');
    input.triggers[1] = { type: 'cron', schedule: '0 9 * * *', timezone: 'Mars/Olympus', payload: {} };
    expect(errorsOf(input)).toEqual([{ path: '$.triggers[1].timezone', message: '"Mars/Olympus" is not an IANA time zone (e.g. Asia/Jerusalem)' }]);
  });

  it('refuses a template that refers to a step that does not come earlier, or to its own', () => {
    const input = valid();
    (input.steps[0]!.config as Record<string, unknown>).body = '{{ steps.ops.ts }}';
    (input.steps[1]!.config as Record<string, unknown>).to = '{{ steps.notify.x }}';
    expect(errorsOf(input)).toEqual([
      { path: '$.steps[0].config.body', message: 'refers to step "ops", which does not come earlier' },
      { path: '$.steps[1].config.to', message: 'refers to its own step "notify": only earlier steps\' outputs exist' },
    ]);
  });

  it('refuses a forEach over a step that does not come earlier, and a template that does not parse', () => {
    const input = valid() as ReturnType<typeof valid> & { steps: Array<Record<string, unknown>> };
    input.steps[0]!.forEach = 'steps.ops.output.items';
    (input.steps[2]!.config as Record<string, unknown>).channel = '{{ vars.opsChannel ';
    const errors = errorsOf(input);
    expect(errors.map((e) => e.path)).toEqual(['$.steps[0].forEach', '$.steps[2].config.channel']);
  });

  it('refuses a filter the renderer does not know, as it would fail every run', () => {
    const input = valid() as ReturnType<typeof valid> & { steps: Array<Record<string, unknown>> };
    (input.steps[2]!.config as Record<string, unknown>).channel = '{{ vars.opsChannel | shout }}';
    expect(errorsOf(input)).toEqual([{ path: '$.steps[2].config.channel', message: expect.stringMatching(/^template does not parse: undefined filter: shout/) }]);
  });

  it('refuses duplicate webhook keys and an inputSchema that is not a JSON Schema', () => {
    const input = valid() as Omit<ReturnType<typeof valid>, 'inputSchema'> & { inputSchema: unknown };
    input.triggers.push({ type: 'webhook', key: 'visa-approved' } as never);
    input.inputSchema = { type: 'nonsense' };
    const paths = errorsOf(input).map((e) => e.path);
    expect(paths).toEqual(['$.inputSchema', '$.triggers[3].key']);
  });

  it('finds step references in both tag forms', () => {
    expect([...stepReferences('{{ steps.a.b }} {% if steps["b-2"].ok %}{{ steps[\'c\'] }}{% endif %} steps.d')]).toEqual(['a', 'b-2', 'c']);
  });

  it('issue 9 #5: finding step references is linear on tags that never close (a hostile definition)', () => {
    // The former lazy regex rescanned to the end from every unclosed opener: minutes for this.
    const raw = `{% raw %}${'{{'.repeat(200_000)}{% endraw %}`;
    expect(templateSyntaxError(raw)).toBeUndefined();
    expect([...stepReferences(`{% if steps.a %}{% endif %}{{ steps.b }}${raw}`)]).toEqual(['a', 'b']);
    expect([...stepReferences(`{{ ${"steps['x".repeat(50_000)} }}`)]).toEqual([]);
    expect([...stepReferences('{{ steps.a }} {{ never closed {% if steps.b %}{% endif %}')]).toEqual(['a', 'b']);
  });
});

describe('step types and connector configs (issue 10 #7)', () => {
  const withSteps = (...steps: unknown[]) => ({ name: 'x', version: '1.0.0', steps });

  it('issue 10 #7: a step type the contracts list but no connector runs yet is refused at its path', () => {
    // Every step type of the contracts has a connector now (issue 12): a validator that lacks one stands in for a future type.
    const withoutPdf = new DefinitionValidator(new Map([...CONNECTOR_CONFIG_SCHEMAS].filter(([type]) => type !== 'pdf.generate')));
    const input = withSteps({ id: 'a', type: 'delay', config: { ms: 1 } }, { id: 'b', type: 'delay', config: { ms: 1 } }, { id: 'letter', type: 'pdf.generate', config: { template: 'visa_approved' } });
    const result = withoutPdf.check(input);
    expect(result.ok ? [] : result.errors).toEqual([{ path: '$.steps[2].type', message: 'step type "pdf.generate" has no connector yet: a step of this type cannot run' }]);
    // With its connector, pdf.generate's literal config is checked like any connector's.
    expect(errorsOf(withSteps({ id: 'letter', type: 'pdf.generate', config: { template: '' } }))[0]!.path).toBe('$.steps[0].config.template');
  });

  it.each([
    [{ id: 's', type: 'http.request', config: { method: 'TRACE', url: 'https://partner.example/x' } }, '$.steps[0].config.method', 'expected one of'],
    [{ id: 's', type: 'http.request', config: { url: 'partner.example/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x?token=t0k3n' } }, '$.steps[0].config.url', '"partner.example/[redacted]/x" is not an absolute URL'],
    [{ id: 's', type: 'http.request', config: { url: 'ftp://files.example/f' } }, '$.steps[0].config.url', 'only http and https URLs'],
    [{ id: 's', type: 'http.request', config: { method: 'POST' } }, '$.steps[0].config.url', 'expected string'],
    [{ id: 's', type: 'http.request', config: { url: 'https://p.example', headers: ['x'] } }, '$.steps[0].config.headers', 'must be an object of strings'],
    [{ id: 's', type: 'http.request', config: { url: 'https://p.example', expectStatus: [200, 'ok'] } }, '$.steps[0].config.expectStatus', ''],
    [{ id: 's', type: 'delay', config: { ms: -1 } }, '$.steps[0].config.ms', 'must be a non-negative number'],
    [{ id: 's', type: 'delay', config: { until: 'next tuesday' } }, '$.steps[0].config.until', 'must be an ISO date-time'],
    [{ id: 's', type: 'email.send', config: { to: 'dana-at-example.com', subject: 'Hi', text: 'x' } }, '$.steps[0].config.to', 'must be an e-mail address'],
    [{ id: 's', type: 'email.send', config: { to: ['a@example.com', 'nope'], subject: 'Hi', text: 'x' } }, '$.steps[0].config.to[1]', 'must be an e-mail address'],
    [{ id: 's', type: 'whatsapp.send', config: { to: '0501234567', text: 'x' } }, '$.steps[0].config.to', 'E.164'],
    [{ id: 's', type: 'slack.send', config: { channel: '#ops', text: 'x', webhookUrl: 'not a url' } }, '$.steps[0].config.webhookUrl', ''],
    [{ id: 's', type: 'slack.send', config: { channel: '#ops' } }, '$.steps[0].config', 'needs text or template'],
  ])('issue 10 #7: a literal config field is checked against its connector’s schema: %j → %s', (step, path, message) => {
    const errors = errorsOf(withSteps(step));
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.find((e) => e.path === path)!.message).toContain(message);
  });

  it('issue 10 #7: config fields holding a template are left to run time; fields the connector does not know are left alone', () => {
    const result = validator.check(
      withSteps(
        { id: 'wait', type: 'delay', config: { ms: '{{ input.ms }}', note: 'kept as is' } },
        { id: 'call', type: 'http.request', config: { method: '{{ input.method }}', url: '{{ vars.url }}/x', headers: { authorization: 'Bearer {{ vars.token }}', n: 3 }, expectStatus: '{% if input.created %}201{% else %}200{% endif %}' } },
        { id: 'mail', type: 'email.send', config: { to: '{{ input.email }}', subject: 'Hi {{ input.name }}', text: 'x' } },
        { id: 'chat', type: 'whatsapp.send', config: { to: '{{ input.phone }}', template: 'visa_approved', variables: { n: '{{ input.n }}' } } },
      ),
    );
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('issue 10 #7: every problem is reported with the others, paths of nested fields included', () => {
    const errors = errorsOf(withSteps({ id: 'a', type: 'email.send', config: { to: ['a@example.com', 'b'], subject: '', text: 'x' } }, { id: 'b', type: 'fax.send' }));
    expect(errors.map((e) => e.path)).toEqual(['$.steps[1].type']); // the JSON Schema first: a step type outside the list
    const config = errorsOf(withSteps({ id: 'a', type: 'email.send', config: { to: ['a@example.com', 'b'], subject: '', text: 'x' } }, { id: 'b', type: 'http.request', config: { url: 'x' } }));
    expect(config.map((e) => e.path)).toEqual(['$.steps[0].config.to[1]', '$.steps[0].config.subject', '$.steps[1].config.url']);
  });

  it('issue 10 #7: the connectors’ schemas are the ones the worker runs with', () => {
    const settings = settingsWith({ whatsapp: { provider: 'meta' } });
    const registry = createStepRegistry({ settings, templates: { resolve: async () => undefined }, outbox: { record: async () => ({ id: 'x' }) }, renderer: new TemplateRenderer(), storage: temporaryStorage() });
    for (const [type, schema] of CONNECTOR_CONFIG_SCHEMAS) expect(registry.get(type)?.configSchema, type).toBe(schema);
    // Both ways: a step type the worker runs can be saved, and one that can be saved can run.
    for (const type of STEP_TYPES) expect(registry.get(type) !== undefined, type).toBe(CONNECTOR_CONFIG_SCHEMAS.has(type));
  });

  it('issue 10 #7: the JSON Schema is generated from the contracts’ zod schema, with what AJV, OpenAPI and the dashboard rely on', () => {
    const schema = workflowDefinitionJsonSchema as Node;
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: expect.any(String), additionalProperties: false, required: ['name', 'version', 'steps'] });
    const step = schema.properties.steps.items;
    expect(step.properties.type.enum).toEqual([...STEP_TYPES]);
    expect(step.properties).toMatchObject({ config: { default: {} }, retries: { default: 3 }, timeout: { default: 30000 } });
    expect(step.required).toEqual(['id', 'type']); // fields with defaults stay optional as written
    const triggers = schema.properties.triggers.items;
    expect(triggers.discriminator).toEqual({ propertyName: 'type' });
    expect(triggers.oneOf.map((b: Node) => b.properties.type.const)).toEqual(['webhook', 'cron', 'manual']);
    expect(triggers.oneOf[0].properties.signingSecret).toMatchObject({ writeOnly: true });
    expect(triggers.oneOf[0].properties.signed).toMatchObject({ type: 'boolean' });
    // The zod schema it comes from accepts what AJV accepts and fills in the same defaults.
    const input = { name: 'x', version: '1.0.0', triggers: [{ type: 'webhook', key: 'k', signed: false }, { type: 'cron', schedule: '0 9 * * *' }], steps: [{ id: 'a', type: 'delay', config: { ms: 1 } }] };
    const checked = validator.check(input);
    expect(checked.ok && checked.definition).toEqual(workflowDefinitionInputSchema.parse(input));
  });
});

describe('examples/workflows', () => {
  it('every shipped example is a valid definition', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = path.resolve(__dirname, '../../../../examples/workflows');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const result = validator.check(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      expect(result.ok ? [] : result.errors, file).toEqual([]);
    }
  });
});
