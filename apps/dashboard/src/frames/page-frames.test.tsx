import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_THEME } from '@mantine/core';
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApi, sessionUser } from '../test/fake-api';
import { renderApp } from '../test/render-app';
import { theme } from '../theme';
import { frameFileName, frameHtml, PAGE_FRAMES } from './page-frames';

const html = fs.readFileSync(path.resolve(__dirname, '../../index.html'), 'utf8');
const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
/** `calc(1.625rem * var(--mantine-scale))` → `1.625rem` (the scale is 1). */
const rem = (value: string) => /calc\(([\d.]+rem) \* var\(--mantine-scale\)\)/.exec(value)?.[1] ?? value;

/**
 * The build paints each page's heading and description from the HTML (vite.config.ts,
 * pageFrames); the app then renders the same text at the same size in their place, so the
 * page's largest text is not painted a second, later time (which would be its LCP).
 */
describe('page frames', () => {
  it.each(Object.entries(PAGE_FRAMES))('%s renders the heading and description its frame paints', async (route, frame) => {
    renderApp(route, { api: new FakeApi().on('GET /api/v1/auth/me', () => sessionUser('admin')).leaveOthersPending() });
    expect((await screen.findByRole('heading', { level: 2 })).textContent).toBe(frame.title);
    if ('description' in frame) {
      const description = screen.getByText(frame.description);
      expect(description.tagName).toBe('P');
      expect(description.textContent).toBe(frame.description);
    }
  });

  it('sizes them in the shell as Mantine sizes a Title order 2 and a Text size sm, in the headings’ font', () => {
    const h2 = DEFAULT_THEME.headings.sizes.h2;
    expect(style).toContain(`.shell-main h2 { margin: 0; font-size: ${rem(h2.fontSize)}; line-height: ${h2.lineHeight}; font-weight: ${DEFAULT_THEME.headings.fontWeight}; }`);
    expect(style).toContain(`.shell-main .shell-description { font-size: ${rem(DEFAULT_THEME.fontSizes.sm)}; line-height: ${DEFAULT_THEME.lineHeights.sm}; }`);
    expect(style).toContain(`.shell h1, .shell h2 { font-family: ${theme.headings?.fontFamily ?? DEFAULT_THEME.headings.fontFamily}; }`);
    // The app's page sits 16 px (Mantine's md spacing) from the edges and between the heading and the text.
    expect(DEFAULT_THEME.spacing.md).toBe('calc(1rem * var(--mantine-scale))');
    expect(style).toContain('.shell-main > * + * { margin-top: 16px; }');
    expect(style).toContain('body { margin: 0; }');
  });

  it('writes escaped markup and one file per route', () => {
    expect(frameHtml({ title: 'Users & roles', description: 'a <b> "c"' })).toBe('<h2>Users &amp; roles</h2><p class="shell-description">a &lt;b&gt; &quot;c&quot;</p>');
    expect(frameHtml({ title: 'Logs' })).toBe('<h2>Logs</h2>');
    expect(Object.keys(PAGE_FRAMES).map(frameFileName)).toEqual([...new Set(Object.keys(PAGE_FRAMES).map(frameFileName))]);
    expect([frameFileName('/'), frameFileName('/api-keys')]).toEqual(['frames/index.html', 'frames/api-keys.html']);
  });
});
