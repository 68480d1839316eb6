import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOutbox, MemoryTemplates, settingsWith, temporaryStorage } from '../../../test/support/providers/in-memory';
import { StepError } from '../../engine/errors';
import { StepRunner } from '../../engine/step-runner';
import { StepRegistry } from '../../engine/step-types';
import { TemplateRenderer } from '../../engine/templating';
import { BrowserPool, type BrowserPoolOptions, ChromiumMissingError, chromiumFlags, findChromium } from './browser-pool';
import { pdfGenerateStep } from './pdf-generate';
import { pdfPageCount } from './pdf-pages';
import { processTreeMemory } from './process-memory';
import { plain, readPdf } from '../../../test/support/pdf';

/** The pool against Debian's Chromium: crashes, hangs and limits provoked for real. */
const pools: BrowserPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(options: Partial<BrowserPoolOptions> = {}): BrowserPool {
  const created = new BrowserPool({ concurrency: 2, ...options });
  pools.push(created);
  return created;
}

const html = (text: string) => `<!doctype html><html><body><p>${text}</p></body></html>`;
const signal = () => new AbortController().signal;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A step registry with pdf.generate on this pool (templates, storage and outbox in memory). */
function registryOn(renders: BrowserPool): StepRegistry {
  const deps = { settings: settingsWith(), templates: new MemoryTemplates(), outbox: new MemoryOutbox(), renderer: new TemplateRenderer(), storage: temporaryStorage() };
  return new StepRegistry([pdfGenerateStep(deps, renders)]);
}
const letter = { template: 'visa_approved', data: { applicant: { firstName: 'Dana', lastName: 'Levi' }, applicationId: 'APP-1', country: 'Japan' } };
const runLetter = (registry: StepRegistry, timeout = 30_000) =>
  new StepRunner(registry, new TemplateRenderer()).attempt(
    { id: 'letter', type: 'pdf.generate', retries: 0, timeout, config: letter },
    { input: {}, vars: {}, steps: {}, run: { id: 'r', workflowId: 'w', triggeredAt: '' } },
    { runId: 'r', attempt: 1 },
  );

// Real Chromium launches: on a machine busy with the rest of the suite one takes seconds.
describe('BrowserPool', { timeout: 90_000 }, () => {
  it('launches Chromium on the first render only, and close() ends it and removes its profile', async () => {
    const renders = pool();
    expect([renders.launches, renders.browserPid]).toEqual([0, undefined]);
    const pdf = await renders.render(html('Hello pool'), signal());
    expect(plain(readPdf(pdf).text)).toContain('Hello pool');
    const pid = renders.browserPid!;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.includes('--no-sandbox')).toBe(process.getuid?.() === 0);
    const profile = cmdline.find((a) => a.startsWith('--user-data-dir='))!.split('=')[1]!;
    expect(fs.existsSync(profile)).toBe(true);
    // Its renderers are its descendants: the tree weighs more than the browser process alone.
    const own = Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]) * 1024;
    expect(processTreeMemory(pid)).toBeGreaterThan(own);
    await renders.close();
    expect(alive(pid)).toBe(false);
    await expect.poll(() => fs.existsSync(profile)).toBe(false);
    await expect(renders.render(html('late'), signal())).rejects.toThrow(/closed/);
  });

  it('never runs more than `concurrency` renders at once, and reuses pages', async () => {
    let open = 0;
    let peak = 0;
    const renders = pool({ concurrency: 2, onRenderStart: () => (peak = Math.max(peak, ++open)), onRenderEnd: () => open-- });
    const texts = Array.from({ length: 8 }, (_, i) => `Letter ${i}`);
    const pdfs = await Promise.all(texts.map((t) => renders.render(html(t), signal())));
    pdfs.forEach((pdf, i) => expect(plain(readPdf(pdf).text)).toContain(texts[i]));
    expect(peak).toBe(2);
    expect([renders.launches, renders.pagesOpened]).toEqual([1, 2]);
    const browser = (renders as unknown as { current: { browser: { pages(): Promise<unknown[]> } } }).current.browser;
    // about:blank's first tab plus at most two pooled pages.
    expect((await browser.pages()).length).toBeLessThanOrEqual(3);
  });

  it('a render waiting for a slot leaves with its signal’s reason when aborted', async () => {
    const waiting = new AbortController();
    const starts: number[] = [];
    const renders = pool({ concurrency: 1, onRenderStart: () => starts.push(Date.now()) && starts.length === 1 && waiting.abort(new StepError('timeout', 'step letter timed out')) });
    const first = renders.render(html('first'), signal());
    const second = renders.render(html('second'), waiting.signal);
    await expect(second).rejects.toMatchObject({ errorClass: 'timeout' });
    expect(plain(readPdf(await first).text)).toContain('first');
    expect(starts).toHaveLength(1);
    expect(plain(readPdf(await renders.render(html('third'), signal())).text)).toContain('third');
  });

  it('recycles pages after pageUses and the browser after browserRenders', async () => {
    const renders = pool({ concurrency: 1, pageUses: 2, browserRenders: 3 });
    for (let i = 0; i < 7; i++) await renders.render(html(`n${i}`), signal());
    // Renders 1-3, 4-6 and 7 in three browsers; pages of two uses each: 2 + 2 + 1.
    expect([renders.launches, renders.pagesOpened]).toEqual([3, 5]);
  });

  it('replaces the browser when its memory passes the limit', async () => {
    const renders = pool({ concurrency: 1, maxBrowserMemoryBytes: 1, memoryCheckEvery: 1 });
    await renders.render(html('a'), signal());
    await renders.render(html('b'), signal());
    expect(renders.launches).toBe(2);
  });

  it('a browser killed mid-render fails that step as transient; the next render gets a new browser', async () => {
    let kill = true;
    const renders = pool({
      onRenderStart: (pid) => {
        if (kill && pid) process.kill(pid, 'SIGKILL');
        kill = false;
      },
    });
    const registry = registryOn(renders);
    const crashed = await runLetter(registry);
    expect(crashed).toMatchObject({ status: 'failed', error: { errorClass: 'transient', message: expect.stringContaining('Chromium') } });
    const next = await runLetter(registry);
    expect(next).toMatchObject({ status: 'succeeded', output: { pages: 1 } });
    expect(renders.launches).toBe(2);
  });

  it('a hung render (Chromium stopped) is killed at the step timeout; the next render succeeds', async () => {
    let stopped: number | undefined;
    // One slot: the next render waits for it, i.e. until the frozen browser has been killed.
    // (Renders sharing that browser meanwhile fail as transient and are retried.)
    const renders = pool({
      concurrency: 1,
      closeTimeoutMs: 500,
      onRenderStart: (pid) => {
        if (stopped === undefined && pid) process.kill((stopped = pid), 'SIGSTOP');
      },
    });
    const registry = registryOn(renders);
    const hung = await runLetter(registry, 1_500);
    expect(hung).toMatchObject({ status: 'failed', error: { errorClass: 'timeout' } });
    const next = await runLetter(registry);
    expect(next).toMatchObject({ status: 'succeeded', output: { pages: 1 } });
    expect(renders.launches).toBe(2);
    await expect.poll(() => alive(stopped!)).toBe(false);
  });

  it('an aborted render closes its page, keeps the browser, and the next render succeeds', async () => {
    const controller = new AbortController();
    const renders = pool({ concurrency: 1, onRenderStart: () => controller.abort(new StepError('cancelled', 'the run was cancelled')) });
    await expect(renders.render(html('x'.repeat(200_000)), controller.signal)).rejects.toMatchObject({ errorClass: 'cancelled' });
    expect(plain(readPdf(await renders.render(html('after'), signal())).text)).toContain('after');
    expect(renders.launches).toBe(1);
  });
});

describe('findChromium and pdfPageCount', () => {
  it('finds Debian’s Chromium, and refuses a CHROMIUM_PATH that is not an executable', () => {
    expect(findChromium()).toBeTruthy();
    const notAProgram = path.join(os.tmpdir(), `visapi-not-chromium-${process.pid}`);
    fs.writeFileSync(notAProgram, 'text', { mode: 0o644 });
    expect(findChromium(notAProgram)).toBeUndefined();
    fs.rmSync(notAProgram);
    expect(findChromium(os.tmpdir())).toBeUndefined();
    expect(findChromium('/nonexistent')).toBeUndefined();
  });

  it('turns Chromium’s sandbox off only when running as root', () => {
    expect(chromiumFlags(true)).toContain('--no-sandbox');
    expect(chromiumFlags(false)).not.toContain('--no-sandbox');
    expect(chromiumFlags(false, 'off')).toContain('--no-sandbox');
    expect(chromiumFlags(true, 'on')).not.toContain('--no-sandbox');
    expect(chromiumFlags(false)).toContain('--host-resolver-rules=MAP * ~NOTFOUND');
  });

  it('looks for Chromium once: a missing one stays missing for the pool’s life (no shell spawned per step)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-no-chromium-'));
    try {
      const configured = path.join(dir, 'chromium');
      const renders = pool({ chromiumPath: configured });
      await expect(renders.render(html('a'), signal())).rejects.toBeInstanceOf(ChromiumMissingError);
      fs.writeFileSync(configured, '#!/bin/sh\nexit 1\n', { mode: 0o755 }); // appears later: not looked for again
      await expect(renders.render(html('b'), signal())).rejects.toBeInstanceOf(ChromiumMissingError);
      expect(renders.launches).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads no page count from what is not a PDF', () => {
    expect(pdfPageCount(Buffer.from('not a pdf'))).toBeUndefined();
  });
});
