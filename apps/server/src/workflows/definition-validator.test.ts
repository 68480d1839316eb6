import { describe, expect, it } from 'vitest';
import { templateSyntaxError } from '../engine/templating';
import { DefinitionValidator, stepReferences } from './definition-validator';

const validator = new DefinitionValidator();

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
    { id: 'letter', type: 'pdf.generate', config: { template: 'visa_approved', data: '{{ input }}' } },
    {
      id: 'notify',
      type: 'whatsapp.send',
      retries: 5,
      timeout: 30000,
      config: { to: '{{ input.applicant.phone }}', variables: { letter: '{{ steps.letter.url }}' } },
    },
    { id: 'ops', type: 'slack.send', if: '{% if steps.notify.messageId %}yes{% endif %}', config: { channel: '{{ vars.opsChannel }}' } },
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
    (input.steps[0]!.config as Record<string, unknown>).data = '{{ steps.ops.ts }}';
    (input.steps[1]!.config as Record<string, unknown>).to = '{{ steps.notify.x }}';
    expect(errorsOf(input)).toEqual([
      { path: '$.steps[0].config.data', message: 'refers to step "ops", which does not come earlier' },
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
