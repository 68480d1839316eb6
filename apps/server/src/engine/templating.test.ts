import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepError } from './errors';
import { TEMPLATE_LIMITS, TemplateRenderer, templateSyntaxError, type TemplateScope, TemplateTextError } from './templating';

const renderer = new TemplateRenderer();
const scope = (input: unknown = {}): TemplateScope => ({ input, vars: {}, steps: {}, run: { id: 'run-1', workflowId: 'wf-1', triggeredAt: '2026-11-26T00:00:00.000Z' } });

async function failure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StepError);
  return error as StepError;
}

// A file beside the process's working directory — where liquidjs's default file system looks.
const SECRET = 'TOP-SECRET-FILE-CONTENT-4711';
let dir: string;
let relative: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(process.cwd(), '.issue9-'));
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  relative = path.relative(process.cwd(), path.join(dir, 'secret.txt'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('templates never read the server’s files', () => {
  it('issue 9 #5: {% render %}, {% include %} and {% layout %} of a real file fail in a step config with a clear permanent error, never its content', async () => {
    const packageJson = fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8');
    for (const file of [relative, `./${relative}`, 'package.json']) {
      for (const text of [`{% render '${file}' %}`, `{% include '${file}' %}`, `{% layout '${file}' %}x`, `before {% render "${file}" %} after`]) {
        const error = await failure(renderer.renderString(text, scope()));
        expect(error.errorClass, text).toBe('permanent');
        expect(error.message, text).toMatch(/partials .*not available in step configs/);
        expect(error.message).not.toContain(SECRET);
        expect(error.message).not.toContain(packageJson.slice(0, 40));
      }
    }
  });

  it('issue 9 #5: a registry template cannot render a file either: partials are registry templates only', async () => {
    const lookedUp: string[] = [];
    const partials = async (name: string) => {
      lookedUp.push(name);
      return undefined;
    };
    for (const text of [`{% render '${relative}' %}`, `{% include 'package.json' %}`, `{% layout '${relative}' %}x`]) {
      const error = await renderer.renderText(text, {}, partials).then(() => undefined, (e: unknown) => e as Error);
      expect(error, text).toBeInstanceOf(Error);
      expect(error!.message).toMatch(/no template named "package.json"|is not a template name/);
      expect(error!.message).not.toContain(SECRET);
    }
    expect(lookedUp).toEqual(['package.json']); // a path is not even looked up
    // Without a registry (no lookup given) there are no partials at all.
    expect(await renderer.renderText(`{% render '${relative}' %}`, {}).catch((e: Error) => e.message)).not.toContain(SECRET);
  });

  it('issue 9 #5: a registry template renders another registry template as a partial (render, include, nested)', async () => {
    const registry: Record<string, string> = {
      letterhead: 'VisAPI Consulate — {% render "address" %}',
      address: '1 Embassy Road',
      greeting: 'Dear {{ name }}',
      signature: 'Regards, {{ officer }}',
    };
    const partials = async (name: string) => registry[name];
    expect(await renderer.renderText('{% render "letterhead" %}\n{% include "greeting" %},\n{% render "signature", officer: "R. Levi" %}', { name: 'Dana' }, partials)).toBe(
      'VisAPI Consulate — 1 Embassy Road\nDear Dana,\nRegards, R. Levi',
    );
  });

  it('a partial lookup that fails, or a registry too slow to answer, is transient (retried), not the template’s fault', async () => {
    const down = await failure(renderer.renderText('{% render "letterhead" %}', {}, () => Promise.reject(new StepError('transient', 'database unavailable'))));
    expect([down.errorClass, down.message]).toEqual(['transient', 'database unavailable']);
    let release!: () => void;
    const slow = async () => {
      await new Promise<void>((r) => (release = r));
      return 'head';
    };
    const pending = failure(renderer.renderText('{% render "letterhead" %}{% render "letterhead" %}', {}, slow));
    await expect.poll(() => release).toBeDefined();
    setTimeout(() => release(), TEMPLATE_LIMITS.renderMs + 50);
    const late = await pending;
    expect([late.errorClass, late.message]).toEqual(['transient', expect.stringMatching(/^partial templates took \d+ ms to look up: template render limit exceeded/)]);
  });

  it('issue 9 #5: a registry template that renders itself stops with an error', async () => {
    const partials = async (name: string) => (name === 'loop' ? 'x{% render "loop" %}' : undefined);
    const error = await renderer.renderText('{% render "loop" %}', {}, partials).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StepError);
    expect(error?.message).toContain('template render limit exceeded');
  });
});

describe('hostile templates are stopped by limits', () => {
  it('issue 9 #5: a template allocating too much (string doubling, a huge range) fails with a permanent memory-limit error', async () => {
    const doubling = '{% assign s = "x" %}{% for i in (1..24) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    const error = await failure(renderer.renderString(doubling, scope()));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringContaining('memory alloc limit exceeded')]);
    const range = await failure(renderer.renderString('{% for i in (1..100000000) %}{{ i }}{% endfor %}', scope()));
    expect(range.message).toContain('memory alloc limit exceeded');
    expect((await failure(renderer.renderString('{{ (1..100000000) }}', scope()))).message).toContain('memory alloc limit exceeded');
    await expect(renderer.renderText(doubling, {})).rejects.toThrow('memory alloc limit exceeded');
  });

  it('issue 9 #5: a template looping too long fails with a permanent render-limit error', async () => {
    // Loops over a list the scope already holds allocate nothing: only the time limit stops them.
    const list = Array.from({ length: 4_000 }, (_, i) => i);
    const text = '{% for a in input.list %}{% for b in input.list %}{% endfor %}{% endfor %}done';
    const error = await failure(renderer.renderString(text, scope({ list })));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringContaining('template render limit exceeded')]);
  });

  it('issue 9 #5: a template longer than the parse limit is refused when saved and when rendered', async () => {
    const text = `{{ input.name }}${' '.repeat(1_000_001)}`;
    expect(templateSyntaxError(text)).toMatch(/parse length limit exceeded/);
    const error = await failure(renderer.renderString(text, scope({ name: 'x' })));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringContaining('parse length limit exceeded')]);
  });

  it('issue 9 review: one filter over a huge range is refused before it runs: a render allocates at most 1,000,000 characters or items', async () => {
    // liquidjs checks its time limit only between nodes: this one filter call took 2.6 s under the former 10,000,000.
    const error = await failure(renderer.renderString('{{ (1..4900000) | sort_natural | size }}', scope()));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringContaining('memory alloc limit exceeded')]);
    expect(error.message).toContain('at most 1000000 characters or items');
    expect((await failure(renderer.renderString('{{ (1..1000001) | size }}', scope()))).message).toContain('memory alloc limit exceeded');
    expect(await renderer.renderString('{{ (1..2000) | sort_natural | join: "," | size }}', scope())).toBe('8892');
  });

  it('issue 9 review: filters that sort or evaluate per item refuse arrays over 10,000 items, with a clear permanent error', async () => {
    const list = Array.from({ length: 10_001 }, (_, i) => ({ n: i % 7 }));
    for (const text of [
      '{{ input.list | sort: "n" | size }}',
      '{{ input.list | sort_natural | size }}',
      '{{ input.list | where: "n", 3 | size }}',
      '{{ input.list | reject_exp: "x", "x.n > 3" | size }}',
      '{{ input.list | map: "n" | size }}',
      '{{ input.list | sum: "n" }}',
      '{{ input.list | group_by: "n" | size }}',
      '{{ input.list | find_exp: "x", "x.n == 9" }}',
      '{{ input.list | has: "n", 9 }}',
    ]) {
      const error = await failure(renderer.renderString(text, scope({ list })));
      expect([error.errorClass, error.message], text).toEqual(['permanent', expect.stringContaining('takes at most 10000 items')]);
    }
    expect(await renderer.renderString('{{ input.list | sort: "n" | size }}', scope({ list: list.slice(1) }))).toBe('10000');
    await expect(renderer.renderText('{{ list | sort_natural | size }}', { list })).rejects.toThrow('takes at most 10000 items');
  });

  it('issue 9 review: per-item expressions nested in one output stop at a limit, well before all of their evaluations', async () => {
    // One output node, so liquidjs's own between-nodes time check never runs: 1,000 × 1,000 evaluations, counted.
    let reads = 0;
    const probe = Object.defineProperty({}, 'hit', { get: () => ++reads, enumerable: true });
    const text = `{{ (1..1000) | where_exp: "x", "(1..1000) | where_exp: 'y', 'input.probe.hit' | size" | size }}`;
    const error = await failure(renderer.renderString(text, scope({ probe })));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringMatching(/memory alloc limit exceeded|template render limit exceeded/)]);
    // 2,000 items charged per outer item: the memory limit alone stops it within 500 of the 1,000.
    expect(reads).toBeLessThanOrEqual(500 * 1000);
  }, 60_000);

  it('issue 9 #5: a lone-expression check does not backtrack over a long run of spaces', async () => {
    // The former /^\s*\{\{\s*([\s\S]+?)\s*\}\}\s*$/ took minutes on this (quadratic); now it is one pass.
    const text = `{{ input.name${' '.repeat(150_000)}x }}y`;
    const error = await failure(renderer.renderString(text, scope({ name: 'Dana' })));
    expect(error.errorClass).toBe('permanent');
    expect(await renderer.renderString(`  {{ input.name${' '.repeat(150_000)}}}  `, scope({ name: 'Dana' }))).toBe('Dana');
  });
});

describe('previews (POST /templates/preview)', () => {
  const partials = async (name: string) => ({ greeting: 'Dear {{ title }} {{ name }}', letterhead: 'VisAPI ({{ office }})', broken: 'x {{ y | nope }}' })[name];
  const previewError = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as TemplateTextError);

  it('renders as a run does, but a variable the sample lacks renders empty and is named once, partials’ included', async () => {
    const text = '{% include "greeting" %}, {% render "letterhead", office: city %}\n{{ order.id | prepend: "#" }} {{ missing.deep }}{% assign z = 1 %}{{ z }}{% for i in items %}{{ i }}{% endfor %}{{ name }}';
    const preview = await renderer.preview(text, { name: 'Dana', order: { id: 7 } }, partials);
    expect(preview.text).toBe('Dear  Dana, VisAPI ()\n#7 1Dana');
    expect(preview.missing.sort()).toEqual(['city', 'items', 'missing', 'title']);
    // The same text fails in a run, where variables are strict.
    await expect(renderer.renderText(text, { name: 'Dana', order: { id: 7 } }, partials)).rejects.toThrow(/undefined variable/);
    // A partial named only in a branch not taken is not looked for, as in a run.
    expect(await renderer.preview('{% if vip %}{% render "nothing" %}{% endif %}{{ name }}', { name: 'Dana' }, partials)).toEqual({ text: 'Dana', missing: ['vip'] });
  });

  it('a syntax or render error carries its line and column in the text; one inside a partial names no position', async () => {
    const syntax = await previewError(renderer.preview('Hello\n  {{ name | shout }}', {}, partials));
    expect(syntax).toBeInstanceOf(TemplateTextError);
    expect([syntax!.line, syntax!.column, syntax!.message]).toEqual([2, 3, expect.stringContaining('undefined filter: shout')]);
    const unclosed = await previewError(renderer.preview('a\nb {% if x %}', {}, partials));
    expect([unclosed!.line, unclosed!.column, unclosed!.message]).toEqual([2, 3, expect.stringContaining('not closed')]);
    const absent = await previewError(renderer.preview('x {% render "nothing" %}', {}, partials));
    expect([absent!.line, absent!.column, absent!.message]).toEqual([1, 3, expect.stringContaining('no template named "nothing"')]);
    const inPartial = await previewError(renderer.preview('{% render "broken" %}', {}, partials));
    expect(inPartial!.message).toContain('undefined filter: nope');
    expect(inPartial!.line).toBeUndefined();
  });

  it('has the run’s limits, reads no files, and passes a lookup’s own failure through', async () => {
    const doubling = '{% assign s = "x" %}{% for i in (1..24) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    expect((await previewError(renderer.preview(doubling, {}, partials)))!.message).toContain('memory alloc limit exceeded');
    const file = await previewError(renderer.preview(`{% include '${relative}' %}`, {}, partials));
    expect(file).toBeInstanceOf(TemplateTextError);
    expect(file!.message).not.toContain(SECRET);
    const down = await renderer.preview('{% render "letterhead" %}', {}, () => Promise.reject(new StepError('transient', 'database unavailable'))).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(StepError);
    expect((down as StepError).message).toBe('database unavailable');
  });
});
