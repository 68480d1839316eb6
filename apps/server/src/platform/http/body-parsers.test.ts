import { describe, expect, it } from 'vitest';
import { parseForm } from './body-parsers';

const repeated = (n: number) => Array.from({ length: n }, (_, i) => `k=${i}`).join('&');

describe('parseForm', () => {
  it('turns repeated keys into arrays and keeps single keys as strings', () => {
    expect(parseForm('a=1&a=2&a=3&b=x&&c=')).toEqual({ a: ['1', '2', '3'], b: 'x', c: '' });
  });

  it('issue 9 #3: its work is linear in the number of fields (2N repeated keys cost about twice N)', () => {
    const work = (n: number) => {
      const meter = { writes: 0 };
      const form = parseForm(repeated(n), meter);
      expect(form.k).toHaveLength(n);
      return meter.writes;
    };
    const n = work(500);
    const twice = work(1_000);
    expect(n).toBeGreaterThanOrEqual(500);
    expect(n).toBeLessThanOrEqual(2 * 500);
    expect(twice / n).toBeLessThanOrEqual(2.1);
  });

  it('issue 9 #3: a form over 1,000 fields is refused before it is parsed', () => {
    expect(() => parseForm(repeated(1_000))).not.toThrow();
    const meter = { writes: 0 };
    let error: unknown;
    try {
      parseForm(repeated(170_000), meter);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ statusCode: 413, code: 'VISAPI_FORM_TOO_MANY_FIELDS', message: 'The form has more than 1,000 fields.' });
    expect(meter.writes).toBe(0);
    // Empty segments are not fields (as URLSearchParams reads them).
    expect(() => parseForm(`${repeated(1_000)}${'&'.repeat(5_000)}`)).not.toThrow();
  });
});
