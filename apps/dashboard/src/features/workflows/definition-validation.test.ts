import { describe, expect, it } from 'vitest';
import { checkDefinition } from './definition-validation';

const valid = {
  name: 'Visa approved',
  version: '1.2.0',
  priority: 'critical',
  triggers: [{ type: 'webhook', key: 'visa-approved' }, { type: 'cron', schedule: '0 9 * * 1-5', timezone: 'Asia/Jerusalem' }, { type: 'manual' }],
  steps: [{ id: 'notify', type: 'slack.send', retries: 5, config: { channel: '#ops', text: 'hi' } }],
};

describe('checking a definition as it is typed', () => {
  it('accepts a valid definition', () => {
    expect(checkDefinition(JSON.stringify(valid))).toEqual({ ok: true, definition: valid });
  });

  it('points at broken JSON by line and column', () => {
    const result = checkDefinition('{\n  "name": "x",\n  "version" "1.0.0"\n}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toEqual({ path: '$', message: expect.stringMatching(/^not valid JSON at line 3, column \d+/) });
  });

  it('names every schema problem by its JSON path, in words', () => {
    const result = checkDefinition(
      JSON.stringify({ name: '', version: '1.0', extra: 1, triggers: [{ type: 'webhook', key: 'Bad Key' }], steps: [{ id: 'bad id', type: 'fax.send', retries: 99 }] }),
    );
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
    expect(checkDefinition(JSON.stringify(read))).toEqual({ ok: true, definition: read });
    const wrong = checkDefinition(JSON.stringify({ ...valid, triggers: [{ type: 'webhook', key: 'visa-approved', signed: 'yes' }] }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.problems.map((p) => p.path)).toEqual(['$.triggers[0].signed']);
  });

  it('finds duplicate step ids, which the schema cannot', () => {
    const result = checkDefinition(JSON.stringify({ ...valid, steps: [valid.steps[0], valid.steps[0]] }));
    expect(result).toEqual({ ok: false, problems: [{ path: '$.steps[1].id', message: 'duplicate step id "notify" (also step 0)' }] });
  });
});
