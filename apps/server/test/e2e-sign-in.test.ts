import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser';
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
});
