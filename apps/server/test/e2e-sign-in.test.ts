import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser';
import { axeViolations } from './support/dashboard';
import { freePort, spawnVisapi, type VisapiProcess, waitForHealthy } from './support/processes';
import { linkIn, TestSmtpServer } from './support/smtp-server';
import { createTestInfra, type TestInfra } from './support/test-infra';

const DASHBOARD = path.resolve(__dirname, '../../dashboard/dist/index.html');

let infra: TestInfra;
let smtp: TestSmtpServer;
let server: VisapiProcess;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!fs.existsSync(DASHBOARD)) throw new Error(`${DASHBOARD} is missing: npm test builds it ("npm run build")`);
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  const smtpUrl = await smtp.start();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnVisapi(['--role', 'gateway'], {
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: infra.redisPrefix,
    PORT: String(port),
    PUBLIC_URL: base,
    SMTP_URL: smtpUrl,
    AUTH_ALLOWED_DOMAINS: 'visa.example',
    ADMIN_EMAILS: 'admin@visa.example',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  });
  await waitForHealthy(`${base}/healthz`, server);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await smtp?.stop();
  await infra?.cleanup();
});

describe('signing in through the dashboard, in Chromium', () => {
  it('mail link → Sign in button → the shell with the user; theme persists; sign-out ends it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Work e-mail').fill('dana@visa.example');
    const mail = smtp.nextMail();
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await expect.poll(() => page.getByText('Check your inbox').isVisible()).toBe(true);

    const link = linkIn(await mail);
    expect(link.origin).toBe(base);
    await page.goto(link.toString());
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await context.cookies()).toEqual([]); // opening the link spent nothing

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('dana@visa.example').waitFor();
    expect(await page.getByLabel('Role: viewer').isVisible()).toBe(true);
    await page.getByText(/answered in/).first().waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'visapi_session', httpOnly: true, sameSite: 'Lax' });

    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    await page.reload();
    await page.getByText('dana@visa.example').waitFor();
    expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    await context.close();
  });

  it('an admin edits a workflow definition: problems shown as typed, under the strict CSP, saved as a new version', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Work e-mail').fill('admin@visa.example');
    const mail = smtp.nextMail();
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await page.goto(linkIn(await mail).toString());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Role: admin').waitFor();

    const created = await page.request.post(`${base}/api/v1/workflows`, {
      headers: { origin: base },
      data: { name: 'Browser edited', version: '1.0.0', triggers: [{ type: 'manual' }], steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }] },
    });
    expect(created.status()).toBe(201);

    // A fresh load: the Overview may have cached the workflow list a moment ago.
    await page.goto(`${base}/workflows`);
    await page.getByRole('link', { name: 'Browser edited' }).click();
    // First the light read-only view; CodeMirror loads when the admin asks to edit.
    await page.getByRole('region', { name: 'Workflow definition (JSON), read-only' }).waitFor();
    expect(await page.locator('.cm-editor').count()).toBe(0);
    await page.getByRole('button', { name: 'Edit definition' }).click();
    // The editor is CodeMirror: select everything and type over it, as a user would.
    const editor = page.getByRole('textbox', { name: 'Workflow definition (JSON)' });
    await editor.waitFor();
    // The accessibility test sees only the read-only view: the opened editor is checked here.
    expect(await axeViolations(page)).toEqual([]);
    const definition = (await (await page.request.get(`${base}/api/v1/workflows/${(await created.json()).id}`)).json()).definition;
    const replaceWith = async (text: string) => {
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(text);
    };
    await replaceWith(JSON.stringify({ ...definition, version: '1.1' }, null, 2));
    await page.getByText('must be a semantic version such as 1.2.0').waitFor();
    expect(await page.getByRole('button', { name: 'Save as new version' }).isDisabled()).toBe(true);
    await replaceWith(JSON.stringify({ ...definition, version: '1.1.0' }, null, 2));
    await page.getByText('Valid definition — not saved yet').waitFor();
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByText('v1.1.0').waitFor();
    const versions = await page.request.get(`${base}/api/v1/workflows/${(await created.json()).id}/versions`);
    expect((await versions.json()).items.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '1.0.0']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
