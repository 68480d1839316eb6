import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_THEME } from '@mantine/core';
import { describe, expect, it } from 'vitest';
import { theme } from './theme';

const html = fs.readFileSync(path.resolve(__dirname, '../index.html'), 'utf8');
const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
const [light, dark] = style.toLowerCase().split('@media (prefers-color-scheme: dark)');
const lower = (shades: readonly string[]) => shades.map((c) => c.toLowerCase());
const [gray, darkShades] = [lower(DEFAULT_THEME.colors.gray), lower(DEFAULT_THEME.colors.dark)];

/** The shell in index.html must look like the app it turns into, in both schemes. */
describe('the app shell in index.html', () => {
  it('uses the theme’s font and Mantine’s body, border and dimmed colours (light)', () => {
    expect(light).toContain(`font-family: ${theme.fontFamily!.toLowerCase()};`);
    expect(light).toContain('color: #000; background: #fff;');
    expect(light).toContain(`border-bottom: 1px solid ${gray[3]};`);
    expect(light).toContain(`color: ${gray[7]};`); // the theme's dimmed (theme.ts)
  });

  it('… and in dark mode', () => {
    expect(dark).toContain(`color: ${darkShades[0]}; background: ${darkShades[7]};`);
    expect(dark).toContain(`border-bottom-color: ${darkShades[4]};`);
    expect(dark).toContain(`color: ${darkShades[1]};`);
  });

  it('draws a workflow’s definition (frames/workflow-preview.ts) in the monospace font and border of DefinitionView', () => {
    const rule = /\.shell-main \.shell-definition \{([^}]*)\}/.exec(light!)![1]!;
    expect(rule).toContain(`font-family: ${DEFAULT_THEME.fontFamilyMonospace.toLowerCase()};`);
    expect(rule).toContain(`border: 1px solid ${gray[4]};`); // --mantine-color-default-border
    expect(rule).toContain('font-size: 13px; line-height: 1.4;');
    expect(dark).toContain(`.shell-main .shell-definition { border-color: ${darkShades[4]}; }`);
  });

  it('has no script of its own but the entry, and a heading and text that say what is coming', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/<h1>VisAPI<\/h1>/);
    expect(html).toMatch(/aria-busy="true"/);
  });
});
