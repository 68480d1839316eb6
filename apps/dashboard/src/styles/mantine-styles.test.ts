import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(__dirname, '..');
const stylesDir = path.resolve(__dirname, '../../../../node_modules/@mantine/core/styles');
const rjsfMantine = path.resolve(__dirname, '../../../../node_modules/@rjsf/mantine/lib');

/** Every file under dir (recursively) whose name matches. */
const filesIn = (dir: string, name: RegExp): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesIn(path.join(dir, e.name), name) : name.test(e.name) ? [path.join(dir, e.name)] : []));

/** The components imported from @mantine/core by these files that have a stylesheet of their own. */
function styledComponents(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]@mantine\/core['"]/g)) {
      for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)) {
        if (name && fs.existsSync(path.join(stylesDir, `${name}.css`))) names.add(name);
      }
    }
  }
  return names;
}

const imported = (cssFile: string) => new Set([...fs.readFileSync(cssFile, 'utf8').matchAll(/@import '@mantine\/core\/styles\/(\w+)\.css';/g)].map((m) => m[1]!));

describe('Mantine styles per component', () => {
  const app = imported(path.join(src, 'styles/mantine.css'));
  const form = imported(path.join(src, 'features/trigger/form-styles.css'));

  it('has the stylesheet of every component the dashboard imports', () => {
    const used = styledComponents(filesIn(src, /\.tsx?$/));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((name) => !app.has(name))).toEqual([]);
  });

  it('has, for the trigger form, the stylesheet of every component @rjsf/mantine imports', () => {
    const used = styledComponents(filesIn(rjsfMantine, /\.js$/));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !app.has(name) && !form.has(name))).toEqual([]);
  });

  it('names only stylesheets that exist, each once', () => {
    for (const name of [...app, ...form]) expect(fs.existsSync(path.join(stylesDir, `${name}.css`)), name).toBe(true);
    expect([...app].filter((name) => form.has(name))).toEqual([]);
  });
});
