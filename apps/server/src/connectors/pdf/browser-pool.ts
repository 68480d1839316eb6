import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { processTreeMemory } from './process-memory';
import { abortable, Semaphore } from '../semaphore';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome'];

/** CHROMIUM_PATH when set, else the first Chromium installed (Debian's `chromium` first); undefined when none. */
export function findChromium(configured?: string): string | undefined {
  if (configured) return isExecutable(configured) ? configured : undefined;
  for (const candidate of CANDIDATES) if (isExecutable(candidate)) return candidate;
  // Elsewhere on PATH, as the shell finds it (a spawn: BrowserPool looks once and keeps the answer).
  const found = spawnSync('sh', ['-c', ON_PATH.map((name) => `command -v ${name}`).join(' || ')], { encoding: 'utf8' }).stdout?.trim();
  return found && isExecutable(found) ? found : undefined;
}

function isExecutable(file: string): boolean {
  try {
    // access(X_OK) succeeds for root on any file: the mode says whether it is a program.
    const stat = fs.statSync(file);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

export const CHROMIUM_MISSING =
  "no Chromium found: install Debian's package `chromium` (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable";

/** No Chromium to launch: nothing a retry would change. */
export class ChromiumMissingError extends Error {
  constructor(configured?: string) {
    super(configured ? `CHROMIUM_PATH=${configured} is not an executable file; ${CHROMIUM_MISSING}` : CHROMIUM_MISSING);
  }
}

export interface BrowserPoolOptions {
  chromiumPath?: string;
  /** CHROMIUM_SANDBOX (default auto). */
  sandbox?: SandboxMode;
  /** At most this many renders at once (PDF_CONCURRENCY). */
  concurrency: number;
  /** A page is closed after this many renders (Chromium's per-page caches grow). */
  pageUses?: number;
  /** The browser is replaced after this many renders. */
  browserRenders?: number;
  /** …or when its processes' memory (PSS, process-memory.ts) passes this, checked every memoryCheckEvery renders. */
  maxBrowserMemoryBytes?: number;
  memoryCheckEvery?: number;
  /** How long closing a page may take after an abort before the whole browser is killed. */
  closeTimeoutMs?: number;
  /** Test and bench hooks: a render got its page / finished. */
  onRenderStart?: (pid: number | undefined) => void;
  onRenderEnd?: () => void;
}

const PDF_TIMEOUT_MS = 120_000;
const FLAGS = [
  ...['--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  // Request interception stops requests, not the preconnects Chromium opens for what a page
  // names (a <link> to an internal host is a TCP connect): no name or address resolves at all.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--dns-prefetch-disable',
];

/** CHROMIUM_SANDBOX: `auto` keeps Chromium's sandbox unless we run as root (where it refuses to start it). */
export type SandboxMode = 'auto' | 'on' | 'off';

/** The flags Chromium is launched with (docs/adr/0010-pdf-render-pool.md). */
export function chromiumFlags(asRoot = process.getuid?.() === 0, sandbox: SandboxMode = 'auto'): string[] {
  const off = sandbox === 'off' || (sandbox === 'auto' && asRoot);
  return off ? [...FLAGS, '--no-sandbox'] : [...FLAGS];
}

/** One launched Chromium: its idle pages, how much it has rendered, whether it is on its way out. */
class Generation {
  readonly idle: Array<{ page: Page; uses: number }> = [];
  renders = 0;
  active = 0;
  retiring = false;
  dead = false;

  constructor(
    readonly browser: Browser,
    userDataDir: string,
  ) {
    browser.once('disconnected', () => {
      this.dead = true;
      this.idle.length = 0;
    });
    // Removed once Chromium has exited: before that it may still be writing there.
    const child = browser.process();
    if (child && child.exitCode === null && child.signalCode === null) child.once('exit', () => removeQuietly(userDataDir));
    else removeQuietly(userDataDir);
  }

  get pid(): number | undefined {
    return this.browser.process()?.pid;
  }

  /** Closes the browser, killing it when it does not answer within `ms`. */
  async close(ms: number): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    const timer = setTimeout(() => this.kill(), ms);
    await this.browser.close().catch(() => this.kill());
    clearTimeout(timer);
  }

  kill(): void {
    this.dead = true;
    this.browser.process()?.kill('SIGKILL');
  }
}

/**
 * One headless Chromium per worker process (launched on the first render), at most
 * `concurrency` renders at once, pages reused and recycled, the browser replaced after a
 * number of renders, when its memory grows or when it dies. Pages run no JavaScript and load
 * nothing but `data:` and `about:blank`.
 */
export class BrowserPool {
  private current: Generation | undefined;
  private launching: Promise<Generation> | undefined;
  private readonly slots: Semaphore;
  private closed = false;
  /** The Chromium found on first use (null: none), so a worker without one does not spawn a shell per step. */
  private executable: string | null | undefined;
  /** Browsers launched and pages opened so far (a test sees them replaced and recycled). */
  launches = 0;
  pagesOpened = 0;
  readonly pageUses: number;
  readonly browserRenders: number;
  readonly maxBrowserMemoryBytes: number;
  readonly memoryCheckEvery: number;
  readonly closeTimeoutMs: number;

  constructor(private readonly options: BrowserPoolOptions) {
    this.slots = new Semaphore(options.concurrency);
    this.pageUses = options.pageUses ?? 50;
    this.browserRenders = options.browserRenders ?? 1_000;
    this.maxBrowserMemoryBytes = options.maxBrowserMemoryBytes ?? 1024 ** 3;
    this.memoryCheckEvery = options.memoryCheckEvery ?? 20;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
  }

  /** The running browser's process id (undefined before the first render). */
  get browserPid(): number | undefined {
    return this.current && !this.current.dead ? this.current.pid : undefined;
  }

  /**
   * `html` printed to an A4 PDF. Rejects with `signal.reason` once the signal aborts (waiting
   * for a slot included); the page is then closed, or the browser killed when that hangs.
   */
  async render(html: string, signal: AbortSignal): Promise<Buffer> {
    if (this.closed) throw new Error('the PDF render pool is closed');
    const release = await this.slots.acquire(signal);
    let generation: Generation | undefined;
    let lease: { page: Page; uses: number } | undefined;
    let started = false;
    try {
      generation = await abortable(this.generation(), signal);
      generation.active++;
      const leasing = this.page(generation);
      lease = await abortable(leasing, signal).catch((error: unknown) => {
        void leasing.then((late) => late.page.close()).catch(() => undefined);
        throw error;
      });
      started = true;
      this.options.onRenderStart?.(generation.pid);
      const pdf = await abortable(print(lease.page, html), signal);
      this.returnPage(generation, lease);
      lease = undefined;
      return pdf;
    } finally {
      if (started) this.options.onRenderEnd?.();
      if (generation) generation.active--;
      // A slot is given back only once its page is closed (or its browser gone): an aborted
      // render must not leave a page printing beside N new ones.
      if (generation && lease) void this.discard(generation, lease.page).finally(release);
      else release();
      if (generation) void this.afterRender(generation);
    }
  }

  /** Closes the browser (the worker's shutdown); renders after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    const generation = this.current ?? (await this.launching?.catch(() => undefined));
    this.current = undefined;
    await generation?.close(this.closeTimeoutMs);
  }

  private generation(): Promise<Generation> {
    if (this.current && !this.current.dead && !this.current.retiring) return Promise.resolve(this.current);
    this.launching ??= this.launch().finally(() => (this.launching = undefined));
    return this.launching;
  }

  private async launch(): Promise<Generation> {
    if (this.executable === undefined) this.executable = findChromium(this.options.chromiumPath) ?? null;
    const executablePath = this.executable;
    if (!executablePath) throw new ChromiumMissingError(this.options.chromiumPath);
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-pdf-chromium-'));
    try {
      // Loaded at the first launch: puppeteer is ≈ 20 MB of RSS that a gateway, which never renders, should not carry.
      const { default: puppeteer } = await import('puppeteer-core');
      const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, userDataDir, args: chromiumFlags(undefined, this.options.sandbox), handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
      // A retiring predecessor still printing closes after its last render (afterRender).
      this.current = new Generation(browser, userDataDir);
      this.launches++;
      if (this.closed) void this.close();
      return this.current;
    } catch (error) {
      removeQuietly(userDataDir);
      throw error;
    }
  }

  private async page(generation: Generation): Promise<{ page: Page; uses: number }> {
    const reused = generation.idle.pop();
    if (reused) return reused;
    const page = await generation.browser.newPage();
    this.pagesOpened++;
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request: HTTPRequest) => {
      const url = request.url();
      if (url.startsWith('data:') || url === 'about:blank') void request.continue();
      else void request.abort('blockedbyclient');
    });
    return { page, uses: 0 };
  }

  private returnPage(generation: Generation, lease: { page: Page; uses: number }): void {
    lease.uses++;
    if (!generation.dead && !generation.retiring && lease.uses < this.pageUses) generation.idle.push(lease);
    else void lease.page.close().catch(() => undefined);
  }

  private async discard(generation: Generation, page: Page): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), this.closeTimeoutMs)));
    const outcome = await Promise.race([page.close().then(() => 'closed' as const, () => 'closed' as const), hung]);
    clearTimeout(timer);
    if (outcome === 'hung') generation.kill();
  }

  /** Retires the browser after browserRenders renders or past maxBrowserMemoryBytes, and closes it once its last render ends. */
  private async afterRender(generation: Generation): Promise<void> {
    generation.renders++;
    if (!generation.retiring && !generation.dead) {
      if (generation.renders >= this.browserRenders) generation.retiring = true;
      else if (generation.renders % this.memoryCheckEvery === 0 && generation.pid && processTreeMemory(generation.pid) > this.maxBrowserMemoryBytes) generation.retiring = true;
    }
    if (generation.retiring && generation.active === 0) {
      if (this.current === generation) this.current = undefined;
      await generation.close(this.closeTimeoutMs);
    }
  }
}

function removeQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // A leftover empty profile under the temp dir is harmless.
  }
}

async function print(page: Page, html: string): Promise<Buffer> {
  await page.setContent(html, { waitUntil: 'load', timeout: PDF_TIMEOUT_MS });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, timeout: PDF_TIMEOUT_MS });
  return Buffer.from(pdf);
}
