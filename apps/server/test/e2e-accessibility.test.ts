import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from './support/browser';
import { api, axeViolations, sessionCookie, signedInContext, startDashboardServer } from './support/dashboard';
import type { VisapiProcess } from './support/processes';
import { HttpTarget } from './support/providers/fake-provider';
import { TestSmtpServer } from './support/smtp-server';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * axe-core (WCAG 2.1 A and AA) on every dashboard page, with data on it, in light and dark, as
 * an admin (every page) and as a viewer (what a viewer can open). Lighthouse scores are
 * `npm run audit:ui`'s (a benchmark, not a test).
 */
let infra: TestInfra;
let smtp: TestSmtpServer;
let server: VisapiProcess;
let browser: Browser;
let base: string;
const target = new HttpTarget();
let admin: string;
let viewer: string;
let workflowId: string;
let runId: string;
let deadRunId: string;

beforeAll(async () => {
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  await target.start();
  ({ server, base } = await startDashboardServer(infra, await smtp.start(), { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' }));
  [admin, browser] = await Promise.all([sessionCookie(base, smtp, 'admin@visa.example'), launchBrowser()]);
  viewer = await sessionCookie(base, smtp, 'val@visa.example');

  target.script('/gone', { status: 404 });
  const created = await api<{ id: string }>(base, admin, 'POST', '/api/v1/workflows', {
    name: 'Visa approved (a11y)',
    version: '1.0.0',
    inputSchema: { type: 'object', required: ['applicationId'], properties: { applicationId: { type: 'string' }, email: { type: 'string', format: 'email' } } },
    triggers: [{ type: 'manual' }],
    steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }],
  });
  expect(created.status).toBe(201);
  workflowId = created.body.id;
  const dying = await api<{ id: string }>(base, admin, 'POST', '/api/v1/workflows', {
    name: 'Partner callback (a11y)',
    version: '1.0.0',
    triggers: [{ type: 'manual' }],
    steps: [{ id: 'call', type: 'http.request', config: { url: `${target.base}/gone` } }],
  });
  for (let i = 0; i < 3; i++) {
    const accepted = await api<{ runId: string }>(base, admin, 'POST', `/api/v1/workflows/${workflowId}/trigger`, { applicationId: `A-${i}`, email: `dana${i}@example.com` });
    runId = accepted.body.runId;
  }
  deadRunId = (await api<{ runId: string }>(base, admin, 'POST', `/api/v1/workflows/${dying.body.id}/trigger`, {})).body.runId;
  await runReaches(deadRunId, 'dead');
  await runReaches(runId, 'succeeded');
  const key = await api(base, admin, 'POST', '/api/v1/api-keys', { label: 'partner-portal', scopes: ['trigger'] });
  expect(key.status).toBe(201);
}, 120_000);

async function runReaches(id: string, status: string) {
  await vi.waitFor(
    async () => {
      const run = await api<{ status: string }>(base, admin, 'GET', `/api/v1/runs/${id}`);
      if (run.body.status !== status) throw new Error(`run ${id} is ${run.body.status}, not ${status}`);
    },
    { timeout: 20_000, interval: 100 },
  );
}

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await smtp?.stop();
  await target.stop();
  await infra?.cleanup();
});

const adminPages = () => [
  '/',
  '/runs',
  `/runs/${runId}`,
  `/runs/${deadRunId}`,
  '/trigger',
  '/logs',
  '/dlq',
  '/workflows',
  `/workflows/${workflowId}`,
  '/outbox',
  '/api-keys',
  '/users',
  '/templates',
  '/refunds',
];
const viewerPages = () => ['/', '/runs', `/runs/${deadRunId}`, '/logs', '/dlq', '/workflows', `/workflows/${workflowId}`, '/outbox'];

async function checkPages(cookie: string, pages: string[], scheme: 'light' | 'dark') {
  const { context, errors } = await signedInContext(browser, base, cookie, scheme);
  const page = await context.newPage();
  const found: Record<string, string[]> = {};
  for (const path of pages) {
    await page.goto(`${base}${path}`);
    // The HTML's shell (with the page's heading: docs/dashboard.md, "Loading") gives way to the app.
    await page.locator('.shell').waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    // Wait until no loader is left: axe must see the page with its data.
    await page.locator('[aria-label^="Loading"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    const violations = await axeViolations(page);
    if (violations.length) found[path] = violations;
  }
  await context.close();
  return { found, errors };
}

describe('accessibility of every dashboard page (axe-core, WCAG 2.1 AA)', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`as an admin, in ${scheme}`, async () => {
      const { found, errors } = await checkPages(admin, adminPages(), scheme);
      expect(found).toEqual({});
      expect(errors).toEqual([]);
    }, 120_000);
    it(`as a viewer, in ${scheme}`, async () => {
      const { found, errors } = await checkPages(viewer, viewerPages(), scheme);
      expect(found).toEqual({});
      expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
    }, 120_000);
  }
  it('the sign-in page, signed out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
