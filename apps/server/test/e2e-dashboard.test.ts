import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from './support/browser';
import { api, axeViolations, sessionCookie, signedInContext, startDashboardServer } from './support/dashboard';
import type { VisapiProcess } from './support/processes';
import { HttpTarget } from './support/providers/fake-provider';
import { linkIn, TestSmtpServer } from './support/smtp-server';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Issue 11's "Done when", in Debian Chromium, driven as a user drives it: an operator signs in
 * by magic link, triggers a workflow from its generated form and watches the run succeed live
 * (run page, runs list, logs live tail), a dead run is replayed from the dead letters, an admin
 * creates, copies, uses and revokes an API key, a viewer is refused the admin pages, Bull-Board
 * is read-only behind the session, the trigger flow works from the keyboard alone, and a
 * workflow’s page shows its definition from the shell before the app has loaded.
 */
let infra: TestInfra;
let smtp: TestSmtpServer;
let server: VisapiProcess;
let browser: Browser;
let base: string;
const target = new HttpTarget();
let admin: string;
let operator: string;
let workflowId: string;
/** The first run the operator triggered from the form. */
let firstRunId: string;

const WORKFLOW = 'Visa approved (e2e)';
const input = (applicationId: string) => ({ applicationId, email: 'dana@example.com' });
// A run's input as the API shows it: personal data redacted.
const shown = (applicationId: string) => ({ applicationId, email: 'd***@example.com' });

beforeAll(async () => {
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  await target.start();
  ({ server, base } = await startDashboardServer(infra, await smtp.start(), { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' }));
  [admin, browser] = await Promise.all([sessionCookie(base, smtp, 'admin@visa.example'), launchBrowser()]);
  const created = await api<{ id: string }>(base, admin, 'POST', '/api/v1/workflows', {
    name: WORKFLOW,
    version: '1.0.0',
    inputSchema: { type: 'object', required: ['applicationId'], properties: { applicationId: { type: 'string', title: 'Application ID' }, email: { type: 'string', format: 'email', title: 'E-mail' } } },
    triggers: [{ type: 'manual' }],
    // The pause keeps the run unfinished while the page opens: its success must arrive live.
    steps: [
      { id: 'pause', type: 'delay', config: { ms: 2_500 } },
      { id: 'notify', type: 'http.request', config: { url: `${target.base}/approved`, method: 'POST' } },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  workflowId = created.body.id;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await smtp?.stop();
  await target.stop();
  await infra?.cleanup();
});

async function runReaches(id: string, status: string) {
  await vi.waitFor(
    async () => {
      const run = await api<{ status: string }>(base, admin, 'GET', `/api/v1/runs/${id}`);
      if (run.body.status !== status) throw new Error(`run ${id} is ${run.body.status}, not ${status}`);
    },
    { timeout: 30_000, interval: 100 },
  );
}

/** axe on the page once its transitions (a dialog fading in) are over: a half-faded colour is no finding. */
async function settledViolations(page: Page) {
  await page.evaluate(() => {
    type Running = { finished: Promise<unknown>; effect: { getComputedTiming(): { endTime?: number | string } } | null };
    const { document } = globalThis as unknown as { document: { getAnimations(): Running[] } };
    // Loaders spin for ever: only what ends is awaited.
    return Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => undefined)));
  });
  return axeViolations(page);
}

/** Marks the document: if the page reloads, the mark is gone. */
const markDocument = (page: Page) => page.evaluate(() => ((globalThis as unknown as { e2eMark: boolean }).e2eMark = true));
const stillSameDocument = (page: Page) => page.evaluate(() => (globalThis as unknown as { e2eMark?: boolean }).e2eMark === true);

/** Presses Tab until the focused element is `wanted` (at most 60 times): reachable by keyboard or a failure. */
async function tabTo(page: Page, wanted: ReturnType<Page['getByRole']>) {
  const handle = await wanted.elementHandle();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement, handle)) return;
  }
  throw new Error(`not reachable with Tab: ${String(wanted)}`);
}

describe('the operator’s dashboard, end to end in Chromium', () => {
  it('an operator signs in by magic link, triggers a workflow from its form, and sees the run succeed live: run page, runs list, timeline', { timeout: 90_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Work e-mail').fill('olga@visa.example');
    const mail = smtp.nextMail();
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await page.getByText('Check your inbox').waitFor();
    await page.goto(linkIn(await mail).toString());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Role: viewer').waitFor();
    // First sign-in makes a viewer: an admin promotes her.
    const users = await api<{ items: Array<{ id: string; email: string }> }>(base, admin, 'GET', '/api/v1/users?limit=100');
    const olga = users.body.items.find((u) => u.email === 'olga@visa.example')!;
    expect((await api(base, admin, 'PATCH', `/api/v1/users/${olga.id}`, { role: 'operator' })).status).toBe(200);
    await page.reload();
    await page.getByLabel('Role: operator').waitFor();
    operator = (await context.cookies()).find((c) => c.name === 'visapi_session')!.value;

    // Trigger: pick the workflow, fill the generated form, send.
    await page.getByRole('link', { name: 'Trigger' }).click();
    await page.getByRole('heading', { name: 'Trigger a run' }).waitFor();
    await page.getByLabel('Workflow', { exact: true }).selectOption({ label: `${WORKFLOW} (1.0.0)` });
    await page.getByRole('button', { name: 'Run workflow' }).click();
    await page.getByText('The input was not sent: fix these first').waitFor(); // the required field is empty
    expect(await settledViolations(page)).toEqual([]);
    expect(await page.url()).toContain('/trigger');
    await page.getByRole('textbox', { name: /Application ID/ }).fill('A-100');
    await page.getByRole('textbox', { name: /E-mail/ }).fill('dana@example.com');
    await markDocument(page);
    await page.getByRole('button', { name: 'Run workflow' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').at(-1)!;
    firstRunId = runId;
    // Seen unfinished, then succeeded, in the same document: the update came live.
    await page.getByLabel(/^Run status: (queued|running)$/).waitFor();
    await page.getByLabel('Run status: succeeded').waitFor({ timeout: 30_000 });
    expect(await stillSameDocument(page)).toBe(true);
    expect((await api<{ input: unknown }>(base, admin, 'GET', `/api/v1/runs/${runId}`)).body.input).toEqual(shown('A-100'));
    expect(target.to('/approved')).toHaveLength(1);

    // The runs list: a run triggered elsewhere appears, and turns succeeded, without a reload.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('table', { name: 'Runs, newest first' }).getByRole('link', { name: `Run ${runId}` }).waitFor();
    await markDocument(page);
    const other = await api<{ runId: string }>(base, operator, 'POST', `/api/v1/workflows/${workflowId}/trigger`, input('A-101'));
    expect(other.status).toBe(202);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Run ${other.body.runId}` }) });
    await row.waitFor();
    await row.getByText('succeeded').waitFor({ timeout: 30_000 });
    expect(await stillSameDocument(page)).toBe(true);

    // Its timeline: each step with its status, attempts and duration.
    await row.getByRole('link', { name: `Run ${other.body.runId}` }).click();
    await page.getByLabel('Run status: succeeded').waitFor();
    for (const step of ['pause', 'notify']) {
      await page.getByLabel(`Step ${step}: succeeded`).waitFor();
      await expect.poll(() => page.getByRole('heading', { name: step, level: 4 }).isVisible()).toBe(true);
    }
    await expect.poll(() => page.getByText(/^1 attempt · started .* · took /).count()).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the logs explorer: the live tail shows a new run’s rows as they are written; the run page’s link filters by its id', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/logs`);
    await page.getByRole('table', { name: 'Log rows, newest first' }).waitFor();
    const liveTail = page.getByRole('button', { name: 'Live tail' });
    await liveTail.click();
    expect(await liveTail.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('status').getByText('Live', { exact: true }).waitFor();
    await markDocument(page);

    const accepted = await api<{ runId: string }>(base, operator, 'POST', `/api/v1/workflows/${workflowId}/trigger`, input('A-200'));
    const runId = accepted.body.runId;
    const table = page.getByRole('table', { name: 'Log rows, newest first, updated live' });
    const queued = table.getByRole('row').filter({ hasText: 'run queued (manual)' }).filter({ has: page.getByRole('link', { name: `Run ${runId}` }) });
    await queued.waitFor();
    expect(await stillSameDocument(page)).toBe(true);

    await runReaches(runId, 'succeeded');
    await page.goto(`${base}/runs/${runId}`);
    await page.getByRole('link', { name: "The run's logs" }).click();
    await page.waitForURL((url) => url.pathname === '/logs' && url.searchParams.get('runId') === runId);
    expect(await page.getByRole('textbox', { name: 'Run ID' }).inputValue()).toBe(runId);
    const filtered = page.getByRole('table', { name: 'Log rows, newest first' });
    await filtered.getByText('run queued (manual)').waitFor();
    const runLinks = await filtered.getByRole('link', { name: /^Run / }).evaluateAll((links) => links.map((a) => a.getAttribute('aria-label')));
    expect(runLinks.length).toBeGreaterThan(0);
    expect(new Set(runLinks)).toEqual(new Set([`Run ${runId}`]));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a run dies against a failing server; its Replay button, after a confirmation stating the count, brings it to success', { timeout: 90_000 }, async () => {
    target.script('/flaky', { status: 404 });
    const dying = await api<{ id: string }>(base, admin, 'POST', '/api/v1/workflows', {
      name: 'Partner callback (e2e)',
      version: '1.0.0',
      triggers: [{ type: 'manual' }],
      steps: [{ id: 'call', type: 'http.request', config: { url: `${target.base}/flaky` } }],
    });
    expect(dying.status).toBe(201);
    const runId = (await api<{ runId: string }>(base, operator, 'POST', `/api/v1/workflows/${dying.body.id}/trigger`, {})).body.runId;
    await runReaches(runId, 'dead');

    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/dlq`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Run ${runId}` }) });
    await row.getByText('permanent').waitFor();
    await row.getByRole('button', { name: `Replay run ${runId.slice(0, 8)}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay dead runs' });
    await dialog.getByText(`Replay 1 dead run (${runId.slice(0, 8)})?`).waitFor();
    expect(await settledViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replay finished').waitFor({ timeout: 30_000 });
    await page.getByText('1 run replayed.').waitFor();
    await runReaches(runId, 'succeeded');
    // The dead list follows live: the replayed run leaves it.
    await row.waitFor({ state: 'detached' });
    await page.goto(`${base}/runs/${runId}`);
    await page.getByLabel('Run status: succeeded').waitFor();
    expect(target.to('/flaky').map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an admin creates an API key with the read_runs scope, copies it, uses it, and revokes it', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, admin);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    await page.goto(`${base}/api-keys`);
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByRole('textbox', { name: 'Label' }).fill('e2e-reader');
    await dialog.getByRole('checkbox', { name: 'read_runs' }).check();
    expect(await settledViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByRole('dialog', { name: 'Your new API key' });
    await secret.getByText('Copy this key now: you will not see it again.').waitFor();
    await secret.getByRole('button', { name: 'Copy key' }).click();
    await secret.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await settledViolations(page)).toEqual([]);
    const key = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    expect(key).toMatch(/^vk_/);
    expect(await secret.getByText(key).isVisible()).toBe(true);
    const withKey = () => fetch(`${base}/api/v1/runs`, { headers: { 'x-api-key': key } });
    expect((await withKey()).status).toBe(200);
    // Its scope is all it may do.
    expect((await fetch(`${base}/api/v1/workflows/${workflowId}/trigger`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);
    await secret.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: /^Revoke e2e-reader/ }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke API key' });
    await revoke.getByRole('button', { name: 'Revoke key' }).click();
    await revoke.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'e2e-reader' }).getByText('revoked').waitFor();
    const refused = await withKey();
    expect(refused.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a viewer sees no admin or operator pages, is refused them by URL, and the API answers 403', { timeout: 90_000 }, async () => {
    const viewer = await sessionCookie(base, smtp, 'val@visa.example');
    const { context, errors } = await signedInContext(browser, base, viewer);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Role: viewer').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Runs', exact: true }).waitFor();
    const links = await nav.getByRole('link').allTextContents();
    expect(links).toEqual(expect.arrayContaining(['Overview', 'Runs', 'Workflows', 'Logs', 'Dead letters']));
    for (const hidden of ['API keys', 'Users & roles', 'Templates', 'Trigger']) expect(links).not.toContain(hidden);

    await page.goto(`${base}/api-keys`);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await page.getByText('This page needs the admin role.', { exact: false }).isVisible()).toBe(true);
    await page.goto(`${base}/dlq`);
    // The page's heading is in the HTML's shell already: wait for the app that replaces it.
    await page.locator('.shell').waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    expect(await page.getByRole('button', { name: 'Replay all' }).count()).toBe(0);

    const created = await api<{ status: number; title: string }>(base, viewer, 'POST', '/api/v1/api-keys', { label: 'nope', scopes: ['read_runs'] });
    expect(created.status).toBe(403);
    expect(created.body).toMatchObject({ status: 403 });
    expect((await api(base, viewer, 'POST', `/api/v1/workflows/${workflowId}/trigger`, input('A-300'))).status).toBe(403);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a workflow’s page paints the definition from the shell before the app has loaded; the app asks for the workflow no second time', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, admin);
    const page = await context.newPage();
    const workflowRequests: string[] = [];
    page.on('request', (request) => request.url().endsWith(`/api/v1/workflows/${workflowId}`) && workflowRequests.push(request.method()));
    // The app's chunks held back: what shows is the shell and what its entry script paints.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/assets\/(?!index-)[^/]+\.(js|css)$/, async (route) => {
      await released;
      await route.continue();
    });
    await page.goto(`${base}/workflows/${workflowId}`);
    const preview = page.locator('main.shell-main pre.shell-definition');
    await preview.waitFor();
    const definition = (await api<{ definition: unknown }>(base, admin, 'GET', `/api/v1/workflows/${workflowId}`)).body.definition;
    expect(await preview.textContent()).toBe(JSON.stringify(definition, null, 2));
    expect(await page.locator('main.shell-main h2').textContent()).toBe(WORKFLOW);

    release();
    await page.locator('.shell').waitFor({ state: 'detached' });
    const view = page.getByRole('region', { name: 'Workflow definition (JSON), read-only' });
    expect(await view.textContent()).toBe(JSON.stringify(definition, null, 2));
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    expect(workflowRequests).toEqual(['GET']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the shell is painted in the scheme the user picked in the app, not only the system’s, before the app has loaded', { timeout: 90_000 }, async () => {
    const shellBackground = async (system: 'light' | 'dark', picked?: 'light' | 'dark' | 'auto') => {
      const context = await browser.newContext({ colorScheme: system });
      await context.addCookies([{ name: 'visapi_session', value: admin, url: base }]);
      if (picked) await context.addInitScript((value) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('mantine-color-scheme-value', value), picked);
      const page = await context.newPage();
      // The app's chunks never come: what shows is the shell alone.
      await page.route(/\/assets\/(?!index-)[^/]+\.(js|css)$/, () => new Promise(() => undefined));
      // The entry script has run once it asks for the app's first chunk.
      const entryRan = page.waitForRequest(/\/assets\/(?!index-)[^/]+\.js$/);
      await page.goto(`${base}/dlq`);
      await entryRan;
      // In the page (this file is compiled without the DOM's types).
      type Styled = { getComputedStyle(element: unknown): { backgroundColor: string; colorScheme: string }; document: { documentElement: unknown } };
      const background = await page.locator('.shell').evaluate((shell) => (globalThis as unknown as Styled).getComputedStyle(shell).backgroundColor);
      // The page around it (the canvas) in the same scheme.
      const canvas = await page.evaluate(() => {
        const page = globalThis as unknown as Styled;
        return page.getComputedStyle(page.document.documentElement).colorScheme;
      });
      await context.close();
      return `${background} ${canvas.includes('dark') && !canvas.includes('light') ? 'dark' : canvas.includes('light') && !canvas.includes('dark') ? 'light' : `system ${system}`}`;
    };
    const [white, dark] = ['rgb(255, 255, 255)', 'rgb(36, 36, 36)'];
    expect(await shellBackground('light')).toBe(`${white} system light`);
    expect(await shellBackground('dark')).toBe(`${dark} system dark`);
    expect(await shellBackground('light', 'dark')).toBe(`${dark} dark`);
    expect(await shellBackground('dark', 'light')).toBe(`${white} light`);
    expect(await shellBackground('dark', 'auto')).toBe(`${dark} system dark`);
  });

  it('Bull-Board: anonymous is sent to sign in (JSON: 401); signed in, the queues are shown with no actions, and its API refuses changes', { timeout: 90_000 }, async () => {
    const anonymous = await browser.newContext();
    const stranger = await anonymous.newPage();
    await stranger.goto(`${base}/admin/queues`);
    await stranger.waitForURL(/\/sign-in/);
    await stranger.getByLabel('Work e-mail').waitFor();
    await anonymous.close();
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { accept: 'application/json' } })).status).toBe(401);

    const { context } = await signedInContext(browser, base, admin);
    const page = await context.newPage();
    await page.goto(`${base}/admin/queues`);
    for (const queue of ['critical', 'default', 'bulk', 'pdf', 'maintenance']) await page.getByText(queue, { exact: true }).first().waitFor();
    await page.getByText('default', { exact: true }).first().click();
    await page.waitForURL(/\/admin\/queues\/queue\/default/);
    await page.getByRole('link', { name: /completed/i }).first().click();
    // A finished job is listed, by its run's id, with nothing to press.
    await page.getByText(firstRunId).first().waitFor();
    for (const action of [/retry/i, /clean/i, /promote/i, /delete/i, /pause/i, /empty/i]) expect(await page.getByRole('button', { name: action }).count(), String(action)).toBe(0);
    for (const [method, url] of [
      ['PUT', '/admin/queues/api/queues/default/retry/failed'],
      ['PUT', '/admin/queues/api/queues/default/clean/completed'],
      ['PUT', '/admin/queues/api/queues/default/pause'],
      ['POST', '/admin/queues/api/queues/default/add'],
    ] as const) {
      const res = await fetch(`${base}${url}`, { method, headers: { cookie: `visapi_session=${admin}`, origin: base, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    await context.close();
  });

  it('keyboard only: from the shell, Tab to Trigger, choose the workflow, fill and send the form', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Role: operator').waitFor();

    await tabTo(page, page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Trigger' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Trigger a run' }).waitFor();
    const select = page.getByLabel('Workflow', { exact: true });
    await tabTo(page, select);
    // A closed native select takes typeahead, as a keyboard user picks an option by its name.
    await page.keyboard.type('Visa');
    await page.waitForURL(/workflowId=/);
    expect(await select.inputValue()).toBe(workflowId);
    const applicationId = page.getByRole('textbox', { name: /Application ID/ });
    await applicationId.waitFor();
    // Sent empty: the problems are listed and focus goes to the first field to fix.
    await tabTo(page, page.getByRole('button', { name: 'Run workflow' }));
    await page.keyboard.press('Enter');
    await page.getByText('The input was not sent: fix these first').waitFor();
    await expect.poll(() => applicationId.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await page.keyboard.type('A-400');
    await tabTo(page, page.getByRole('textbox', { name: /E-mail/ }));
    await page.keyboard.type('dana@example.com');
    await tabTo(page, page.getByRole('button', { name: 'Run workflow' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.getByLabel('Run status: succeeded').waitFor({ timeout: 30_000 });
    const runId = page.url().split('/').at(-1)!;
    expect((await api<{ input: unknown }>(base, admin, 'GET', `/api/v1/runs/${runId}`)).body.input).toEqual(shown('A-400'));
    expect(errors).toEqual([]);
    await context.close();
  });
  it('keyboard only: a dead run replayed from the dead letters, the confirmation dialog taking and giving back focus', { timeout: 90_000 }, async () => {
    target.script('/flaky-too', { status: 404 });
    const dying = await api<{ id: string }>(base, admin, 'POST', '/api/v1/workflows', {
      name: 'Courier callback (e2e)',
      version: '1.0.0',
      triggers: [{ type: 'manual' }],
      steps: [{ id: 'call', type: 'http.request', config: { url: `${target.base}/flaky-too` } }],
    });
    const runId = (await api<{ runId: string }>(base, operator, 'POST', `/api/v1/workflows/${dying.body.id}/trigger`, {})).body.runId;
    await runReaches(runId, 'dead');

    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Role: operator').waitFor();
    await tabTo(page, page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Dead letters' }));
    await page.keyboard.press('Enter');
    const replay = page.getByRole('button', { name: `Replay run ${runId.slice(0, 8)}` });
    await replay.waitFor();
    await tabTo(page, replay);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Replay dead runs' });
    await dialog.getByText(`Replay 1 dead run (${runId.slice(0, 8)})?`).waitFor();
    // Escape closes it and focus returns to the button that opened it.
    await expect.poll(() => dialog.evaluate((el) => el.contains((globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement as never))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => replay.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await tabTo(page, dialog.getByRole('button', { name: 'Replay', exact: true }));
    await page.keyboard.press('Enter');
    await page.getByText('1 run replayed.').waitFor({ timeout: 30_000 });
    await runReaches(runId, 'succeeded');
    expect(target.to('/flaky-too')).toHaveLength(2);
    expect(errors).toEqual([]);
    await context.close();
  });
});
