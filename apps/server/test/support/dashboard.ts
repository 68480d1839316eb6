import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, spawnVisapi, type VisapiProcess, waitForHealthy } from './processes';
import { linkIn, type TestSmtpServer } from './smtp-server';
import type { TestInfra } from './test-infra';

const DASHBOARD = path.resolve(__dirname, '../../../dashboard/dist/index.html');

/** The product as one process (gateway + worker) serving the built dashboard, mail to `smtpUrl`. */
export async function startDashboardServer(infra: TestInfra, smtpUrl: string, env: Record<string, string> = {}): Promise<{ server: VisapiProcess; base: string }> {
  if (!fs.existsSync(DASHBOARD)) throw new Error(`${DASHBOARD} is missing: npm test builds it ("npm run build")`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnVisapi(['--role', 'all'], {
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: infra.redisPrefix,
    PORT: String(port),
    WORKER_METRICS_PORT: String(await freePort()),
    PUBLIC_URL: base,
    SMTP_URL: smtpUrl,
    AUTH_ALLOWED_DOMAINS: 'visa.example',
    ADMIN_EMAILS: 'admin@visa.example',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '1000',
    ...env,
  });
  await waitForHealthy(`${base}/healthz`, server);
  return { server, base };
}

/**
 * Signs `email` in through the real magic-link flow (the mail caught by the test's SMTP
 * server) and returns the session cookie's value; first sign-in makes a viewer.
 */
export async function sessionCookie(base: string, smtp: TestSmtpServer, email: string): Promise<string> {
  const mail = smtp.nextMail();
  const asked = await fetch(`${base}/api/v1/auth/magic-link`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ email }) });
  if (asked.status !== 202) throw new Error(`magic-link: ${asked.status} ${await asked.text()}`);
  const token = linkIn(await mail).searchParams.get('token');
  const verified = await fetch(`${base}/api/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token }) });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${await verified.text()}`);
  return verified.headers.get('set-cookie')!.split(';')[0]!.split('=').slice(1).join('=');
}

/** A browser context signed in with a session cookie, in a colour scheme, collecting console errors. */
export async function signedInContext(browser: Browser, base: string, cookie: string, scheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({ colorScheme: scheme });
  await context.addCookies([{ name: 'visapi_session', value: cookie, url: base }]);
  await context.addInitScript((value) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('mantine-color-scheme-value', value), scheme);
  const errors: string[] = [];
  context.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return { context, errors };
}

/** A same-origin API call with a session, as the dashboard makes it. */
export async function api<T = unknown>(base: string, cookie: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { cookie: `visapi_session=${cookie}`, origin: base, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** WCAG 2.1 A and AA violations axe-core finds on the page as it is now, as readable lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ')}`));
}

export type { BrowserContext };
