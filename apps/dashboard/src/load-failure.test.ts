import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOAD_FAILED, showLoadFailure } from './load-failure';

const html = fs.readFileSync(path.resolve(__dirname, '../index.html'), 'utf8');
const shellBody = /<body>([\s\S]*?)<script/.exec(html)![1]!;

/** main.tsx calls showLoadFailure when a startup step's import rejects (a failed chunk load: startup-steps.ts). */
describe('a dashboard that fails to load', () => {
  it('replaces the shell’s Loading text with an alert saying to reload, and is no longer busy', () => {
    document.body.innerHTML = shellBody;
    const main = document.querySelector('.shell-main')!;
    expect(main.getAttribute('aria-busy')).toBe('true');
    showLoadFailure(document);
    const alert = document.querySelector('[role="alert"]')!;
    expect(alert.textContent).toBe(LOAD_FAILED);
    expect(LOAD_FAILED).toBe('The dashboard could not be loaded. Reload the page to try again.');
    expect(main.getAttribute('aria-busy')).toBe('false');
    expect(main.textContent).not.toMatch(/Loading/);
    expect(document.querySelector('.shell-header h1')!.textContent).toBe('VisAPI');
  });

  it('leaves a page alone once the app has replaced the shell', () => {
    document.body.innerHTML = '<div id="root"><main>the app</main></div>';
    showLoadFailure(document);
    expect(document.body.innerHTML).toBe('<div id="root"><main>the app</main></div>');
  });
});
