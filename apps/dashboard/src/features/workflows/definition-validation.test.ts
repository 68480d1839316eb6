import { describe, expect, it } from 'vitest';
import { checkDefinition, checkDefinitionText, jsonText } from './definition-validation';
import { yamlText } from './yaml-format';

const valid = {
  name: 'Visa approved',
  version: '1.2.0',
  priority: 'critical',
  triggers: [{ type: 'webhook', key: 'visa-approved' }, { type: 'cron', schedule: '0 9 * * 1-5', timezone: 'Asia/Jerusalem' }, { type: 'manual' }],
  steps: [{ id: 'notify', type: 'slack.send', retries: 5, config: { channel: '#ops', text: 'hi' } }],
};

describe('checking a definition as it is typed', () => {
  it('accepts a valid definition', () => {
    expect(checkDefinition(valid)).toEqual({ ok: true, definition: valid });
  });

  it('points at broken JSON by line and column', () => {
    const result = checkDefinitionText('{\n  "name": "x",\n  "version" "1.0.0"\n}', jsonText);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toEqual({ path: '$', message: expect.stringMatching(/^not valid JSON at line 3, column \d+/) });
  });

  it('names every schema problem by its JSON path, in words', () => {
    const result = checkDefinition({
      name: '',
      version: '1.0',
      extra: 1,
      triggers: [{ type: 'webhook', key: 'Bad Key' }],
      steps: [{ id: 'bad id', type: 'fax.send', retries: 99 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
    expect(byPath['$.version']).toBe('must be a semantic version such as 1.2.0');
    expect(byPath['$.triggers[0].key']).toBe('must be lower-case letters, digits, _ or -, starting with a letter or digit');
    expect(byPath['$.steps[0].id']).toBe('must be 1-50 letters, digits, _ or -');
    expect(byPath['$.steps[0].retries']).toMatch(/<=10/);
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['$.name', '$.steps[0].type', '$']));
  });

  it('issue 9 #2: accepts a webhook trigger as reads show it (signed, no secret), and signed: false; refuses a non-boolean signed', () => {
    const read = { ...valid, triggers: [{ type: 'webhook', key: 'visa-approved', signed: true }, { type: 'webhook', key: 'open', signed: false }] };
    expect(checkDefinition(read)).toEqual({ ok: true, definition: read });
    const wrong = checkDefinition({ ...valid, triggers: [{ type: 'webhook', key: 'visa-approved', signed: 'yes' }] });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.problems.map((p) => p.path)).toEqual(['$.triggers[0].signed']);
  });

  it('finds duplicate step ids, which the schema cannot', () => {
    const result = checkDefinition({ ...valid, steps: [valid.steps[0], valid.steps[0]] });
    expect(result).toEqual({ ok: false, problems: [{ path: '$.steps[1].id', message: 'duplicate step id "notify" (also step 0)' }] });
  });

  it('reads the same definition from JSON and from YAML, and writes it back in either', () => {
    const yaml = yamlText.print(valid);
    expect(yaml).toContain('schedule: 0 9 * * 1-5');
    expect(yamlText.parse(yaml)).toEqual({ ok: true, value: valid });
    expect(checkDefinitionText(yaml, yamlText)).toEqual({ ok: true, definition: valid });
    expect(checkDefinitionText(jsonText.print(valid), jsonText)).toEqual({ ok: true, definition: valid });
    // Liquid's braces survive the round trip as strings, not YAML flow maps.
    const liquid = { ...valid, steps: [{ id: 'letter', type: 'pdf.generate', config: { template: 'visa_approved', data: '{{ input }}' } }] };
    expect(yamlText.parse(yamlText.print(liquid))).toEqual({ ok: true, value: liquid });
  });

  it('points at broken YAML by line and column, and refuses duplicate keys', () => {
    const broken = checkDefinitionText('name: x\nversion: 1.0.0\nsteps: [a, b\n', yamlText);
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems).toEqual([{ path: '$', message: expect.stringMatching(/^not valid YAML at line \d+, column \d+: \S/) }]);
    const indented = yamlText.parse('name: x\nsteps:\n  - id: a\n   type: delay\n');
    expect(indented).toEqual({ ok: false, problem: { path: '$', message: 'not valid YAML at line 4, column 1: Sequence item without - indicator' } });
    const twice = yamlText.parse('name: x\nname: y\n');
    expect(twice).toEqual({ ok: false, problem: { path: '$', message: expect.stringMatching(/^not valid YAML at line 2, column 1: .*unique/) } });
  });

  it('checks a YAML definition against the same schema', () => {
    const result = checkDefinitionText('name: Visa approved\nversion: "1.2"\ntriggers: []\nsteps: []\n', yamlText);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual({ path: '$.version', message: 'must be a semantic version such as 1.2.0' });
  });
});
