import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_THEME } from '@mantine/core';
import { describe, expect, it } from 'vitest';
import { theme } from './theme';

const html = fs.readFileSync(path.resolve(__dirname, '../index.html'), 'utf8');
const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
const css = style.toLowerCase();
const lower = (shades: readonly string[]) => shades.map((c) => c.toLowerCase());
const [gray, dark] = [lower(DEFAULT_THEME.colors.gray), lower(DEFAULT_THEME.colors.dark)];

/** The shell in index.html must look like the app it turns into, in both schemes. */
describe('the app shell in index.html', () => {
  it('uses the theme’s font and Mantine’s body, border and dimmed colours, light and dark', () => {
    expect(css).toContain(`font-family: ${theme.fontFamily!.toLowerCase()};`);
    expect(css).toContain(`.shell { --shell-text: #000; --shell-body: #fff; --shell-border: ${gray[3]}; --shell-dimmed: ${gray[7]}; --shell-code-border: ${gray[4]}; }`);
    expect(css).toContain(`{ --shell-text: ${dark[0]}; --shell-body: ${dark[7]}; --shell-border: ${dark[4]}; --shell-dimmed: ${dark[1]}; --shell-code-border: ${dark[4]}; }`);
    expect(css).toContain('color: var(--shell-text); background: var(--shell-body);');
    expect(css).toContain('border-bottom: 1px solid var(--shell-border);');
  });

  it('follows the system’s scheme, or the one the user picked in the app (frames/stored-color-scheme.ts)', () => {
    const darkValues = (selector: string) => new RegExp(`${selector.replace(/[[\]().:"]/g, '\\$&')} \\{([^}]*)\\}`).exec(css)?.[1];
    const bySystem = darkValues(':root:not([data-mantine-color-scheme="light"]) .shell');
    expect(bySystem).toContain(`--shell-body: ${dark[7]};`);
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-mantine-color-scheme="light"\]\) \.shell/);
    expect(darkValues(':root[data-mantine-color-scheme="dark"] .shell')).toBe(bySystem);
    // The canvas around the shell follows the same choice.
    expect(css).toContain(':root[data-mantine-color-scheme="light"] { color-scheme: light; }');
    expect(css).toContain(':root[data-mantine-color-scheme="dark"] { color-scheme: dark; }');
  });

  it('draws a workflow’s definition (frames/workflow-preview.ts) in the monospace font and border of DefinitionView', () => {
    const rule = /\.shell-main \.shell-definition \{([^}]*)\}/.exec(css)![1]!;
    expect(rule).toContain(`font-family: ${DEFAULT_THEME.fontFamilyMonospace.toLowerCase()};`);
    expect(rule).toContain('border: 1px solid var(--shell-code-border);'); // --mantine-color-default-border (gray 4 / dark 4, above)
    expect(rule).toContain('font-size: 13px; line-height: 1.4;');
  });

  it('has no script of its own but the entry, and a heading and text that say what is coming', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/<h1>VisAPI<\/h1>/);
    expect(html).toMatch(/aria-busy="true"/);
  });
});
