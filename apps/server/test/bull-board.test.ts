import { QUEUE_NAMES } from '@visapi/contracts';
import { QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadRunAlertJob } from '../src/queues/job-catalog';
import { QueuesService } from '../src/queues/queues.service';
import { createKey, signIn } from './support/auth-helpers';
import { launchBrowser } from './support/browser';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let base: string;
let browser: Browser | undefined;
let viewer: string;
let admin: string;

const EMAIL = 'dana.levi@example.com';
const PHONE = '+972501234567';
const RUN_ID = '5b0f8a9e-4f5e-4a53-9d9c-6a4f3f2b1c0d';

beforeAll(async () => {
  infra = await createTestInfra();
  // The board is the gateway's: no VisAPI worker here, so the jobs below stay where they are put.
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.getHttpServer().address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
  viewer = (await signIn(t, 'viewer@example.com', 'viewer')).cookie;
  admin = (await signIn(t, 'admin@example.com', 'admin')).cookie;

  const queues = t.app.get(QueuesService);
  // A waiting job whose payload carries an e-mail and a phone (as a dead-run alert quoting an error could).
  await queues.add('maintenance', deadRunAlertJob.name, {
    v: 1, runId: RUN_ID, workflowId: RUN_ID, workflowName: 'Visa approved', stepId: 'notify',
    error: { class: 'permanent', message: `could not reach ${EMAIL} or ${PHONE}` }, applicant: { email: EMAIL, phone: PHONE },
  }, { jobId: 'alert-with-pii' });
  // A failed job whose error quotes the recipient: failedReason and stack are masked too.
  const connection = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents('pdf', { connection: connection.duplicate(), prefix: infra.redisPrefix });
  await events.waitUntilReady();
  const failed = new Promise<void>((resolve) => events.on('failed', () => resolve()));
  const worker = new Worker('pdf', async () => {
    throw new Error(`render refused for ${EMAIL}`);
  }, { connection, prefix: infra.redisPrefix });
  await queues.add('pdf', 'render', { to: EMAIL }, { jobId: 'failed-with-pii', attempts: 1 });
  await failed;
  await worker.close();
  await events.close();
  connection.disconnect();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await infra?.cleanup();
});

const html = { accept: 'text/html,application/xhtml+xml' };
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('Bull-Board at /admin/queues: who may look', () => {
  it('anonymous: a browser is sent to sign in and back; anything else gets the 401 problem', async () => {
    const page = await get('/admin/queues', html);
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/sign-in?next=%2Fadmin%2Fqueues');
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await get(url, { accept: 'application/json' });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    expect((await get('/admin/queues/api/queues', { cookie: 'visapi_session=forged' })).statusCode).toBe(401);
  });

  it('a session that ended (signed out, idle, revoked): a browser is sent to sign in again, anything else gets the 401 problem', async () => {
    const { cookie } = await signIn(t, 'signed-out@example.com', 'viewer');
    expect((await get('/admin/queues', { ...html, cookie })).statusCode).toBe(200);
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: 'http://localhost:3000' } });
    expect(logout.statusCode, logout.body).toBeLessThan(300);
    for (const stale of [cookie, 'visapi_session=forged']) {
      const page = await get('/admin/queues', { ...html, cookie: stale });
      expect(page.statusCode, stale).toBe(302);
      expect(page.headers.location).toBe('/sign-in?next=%2Fadmin%2Fqueues');
      expect((await get('/admin/queues/api/queues', { cookie: stale })).statusCode).toBe(401);
    }
    // An API key that does not verify is never sent to the sign-in page.
    expect((await get('/admin/queues', { ...html, 'x-api-key': 'vk_nothing_nothing' })).statusCode).toBe(401);
  });

  it('API keys are refused: an unknown one 401 as everywhere, a valid one 403 (the board is a browser page, for sessions)', async () => {
    expect((await get('/admin/queues/api/queues', { 'x-api-key': 'vk_nothing_nothing' })).statusCode).toBe(401);
    const key = await createKey(t, ['read_queues', 'manage_queues']);
    for (const headers of [{ 'x-api-key': key.key }, { authorization: `Bearer ${key.key}` }] as Array<Record<string, string>>) {
      const res = await get('/admin/queues/api/queues', headers);
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toContain('dashboard session');
    }
  });

  it('a viewer gets the page, titled and with a link back to the dashboard, under a CSP without unsafe-inline or third parties', async () => {
    const res = await get('/admin/queues', { ...html, cookie: viewer });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>VisAPI queues</title>');
    expect(res.body).not.toContain('fonts.googleapis.com');
    const config = JSON.parse(/<script id="__UI_CONFIG__" type="application\/json">(.*?)<\/script>/s.exec(res.body)![1]!);
    expect(config).toMatchObject({ boardTitle: 'VisAPI queues', miscLinks: [{ url: '/' }] });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toMatch(/style-src 'self' 'sha256-[^']+' 'unsafe-hashes'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('https:');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('its API polling does not extend the session’s idle time; loading the page does', async () => {
    const db = t.runtime.database.db;
    const lastSeen = async () => (await db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('last_seen_at').where('users.email', '=', 'viewer@example.com').executeTakeFirstOrThrow()).last_seen_at.getTime();
    const earlier = new Date(Date.now() - 5 * 60_000);
    await db.updateTable('sessions').set({ last_seen_at: earlier }).where('user_id', 'in', db.selectFrom('users').select('id').where('email', '=', 'viewer@example.com')).execute();
    expect((await get('/admin/queues/api/queues', { cookie: viewer })).statusCode).toBe(200);
    expect(await lastSeen()).toBe(earlier.getTime());
    expect((await get('/admin/queues', { ...html, cookie: viewer })).statusCode).toBe(200);
    expect(await lastSeen()).toBeGreaterThan(earlier.getTime());
  });

  it('is the gateway’s: a worker does not serve it', async () => {
    const worker = await createTestApp({ ...infra, redisPrefix: `${infra.redisPrefix}:worker` }, { role: 'worker' });
    try {
      for (const url of ['/admin/queues', '/admin/queues/api/queues']) expect((await worker.app.inject({ method: 'GET', url, headers: { ...html, cookie: viewer } })).statusCode, url).toBe(404);
    } finally {
      await worker.close();
    }
  });
});

describe('what the board shows', () => {
  it('lists every queue of the catalog, read-only, with job data, errors and stacks masked', async () => {
    const res = await get('/admin/queues/api/queues?activeQueue=maintenance&status=latest&page=1&jobsPerPage=10', { cookie: viewer });
    expect(res.statusCode, res.body).toBe(200);
    const { queues } = res.json();
    expect(queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const q of queues) expect(q, q.name).toMatchObject({ readOnlyMode: true, allowRetries: false });
    const alert = queues.find((q: { name: string }) => q.name === 'maintenance').jobs.find((j: { id: string }) => j.id === 'alert-with-pii');
    expect(alert.data.applicant).toEqual({ email: 'd***@example.com', phone: '+972****4567' });
    expect(alert.data.error.message).toBe('could not reach d***@example.com or +972****4567');
    expect(alert.data.runId).toBe(RUN_ID);

    const pdf = (await get('/admin/queues/api/queues?activeQueue=pdf&status=failed&page=1&jobsPerPage=10', { cookie: viewer })).json();
    const failed = pdf.queues.find((q: { name: string }) => q.name === 'pdf').jobs[0];
    expect(failed.id).toBe('failed-with-pii');
    expect(failed.failedReason).toBe('render refused for d***@example.com');
    expect(failed.stacktrace.length).toBeGreaterThan(0);
    expect(failed.data).toEqual({ to: 'd***@example.com' });

    const one = await get('/admin/queues/api/queues/pdf/failed-with-pii', { cookie: viewer });
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain(EMAIL);
    expect(one.json().job.failedReason).toBe('render refused for d***@example.com');
    for (const body of [res.body, JSON.stringify(pdf)]) {
      expect(body).not.toContain(EMAIL);
      expect(body).not.toContain(PHONE);
    }
  });

  it('does not show Redis details (the panel is hidden, and its API answers 404)', async () => {
    for (const url of ['/admin/queues/api/redis/stats', '/admin/queues/api/redis/stats/', '/admin/queues/api/redis/stats?x=1']) {
      const res = await get(url, { cookie: viewer });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('redis_version');
    }
  });

  it('a listing asks for at most 300 jobs (the board offers no more): beyond, 400 before any job is loaded', async () => {
    const ok = await get('/admin/queues/api/queues?activeQueue=pdf&status=failed&page=1&jobsPerPage=300', { cookie: viewer });
    expect(ok.statusCode, ok.body).toBe(200);
    for (const jobsPerPage of ['301', '100000000', 'lots']) {
      const res = await get(`/admin/queues/api/queues?activeQueue=pdf&status=completed&page=1&jobsPerPage=${jobsPerPage}`, { cookie: viewer });
      expect(res.statusCode, jobsPerPage).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // Without a session it is still the 401 first.
    expect((await get('/admin/queues/api/queues?jobsPerPage=100000000')).statusCode).toBe(401);
  });

  it('every action answers 403, even for an admin, and changes nothing', async () => {
    const actions: Array<[string, string]> = [
      ['PUT', '/admin/queues/api/queues/pdf/retry/failed'],
      ['PUT', '/admin/queues/api/queues/pdf/clean/failed'],
      ['PUT', '/admin/queues/api/queues/pdf/clean/completed'],
      ['PUT', '/admin/queues/api/queues/maintenance/pause'],
      ['PUT', '/admin/queues/api/queues/pause'],
      ['PUT', '/admin/queues/api/queues/maintenance/empty'],
      ['PUT', '/admin/queues/api/queues/maintenance/obliterate'],
      ['PUT', '/admin/queues/api/queues/maintenance/promote'],
      ['PUT', '/admin/queues/api/queues/pdf/failed-with-pii/retry'],
      ['PUT', '/admin/queues/api/queues/pdf/failed-with-pii/clean'],
      ['PUT', '/admin/queues/api/queues/maintenance/alert-with-pii/promote'],
      ['PATCH', '/admin/queues/api/queues/maintenance/alert-with-pii/update-data'],
      ['POST', '/admin/queues/api/queues/maintenance/add'],
      ['DELETE', '/admin/queues/api/queues/maintenance'],
      ['POST', '/admin/queues'],
    ];
    for (const cookie of [admin, viewer, '']) {
      for (const [method, url] of actions) {
        const res = await t.app.inject({ method: method as 'PUT', url, headers: { cookie, origin: base }, payload: {} });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().detail).toContain('read-only');
      }
    }
    const counts = (await get('/admin/queues/api/queues', { cookie: admin })).json().queues;
    expect(counts.find((q: { name: string }) => q.name === 'pdf').counts.failed).toBe(1);
    expect(counts.find((q: { name: string }) => q.name === 'maintenance')).toMatchObject({ isPaused: false });
    expect(counts.find((q: { name: string }) => q.name === 'maintenance').counts.waiting).toBe(1);
  });
});

describe('the board in Chromium', () => {
  it('renders the queues for a viewer, with no action buttons and no console errors (CSP included)', async () => {
    browser = await launchBrowser();
    const context = await browser.newContext();
    const [name, value] = viewer.split('=') as [string, string];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${base}/admin/queues`);
    for (const queue of QUEUE_NAMES) await expect.poll(() => page.getByRole('link', { name: queue, exact: true }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // The header's menu holds the link back to the dashboard.
    await page.locator('header [aria-haspopup="menu"]').click();
    await expect.poll(() => page.getByRole('menuitem', { name: 'Back to the dashboard' }).count()).toBe(1);
    await page.keyboard.press('Escape');

    await page.goto(`${base}/admin/queues/queue/pdf?status=failed`);
    await expect.poll(() => page.getByText('render refused for d***@example.com').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.content()).not.toContain(EMAIL);
    for (const action of [/retry/i, /clean/i, /delete/i, /remove/i, /promote/i, /pause/i, /empty/i]) {
      expect(await page.getByRole('button', { name: action }).count(), String(action)).toBe(0);
    }

    // One job's own page, its data shown (masked).
    await page.goto(`${base}/admin/queues/queue/maintenance/alert-with-pii`);
    await expect.poll(() => page.getByText('d***@example.com').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.content()).not.toContain(EMAIL);
    expect(await page.content()).not.toContain(PHONE);
    for (const action of [/retry/i, /clean/i, /delete/i, /remove/i, /promote/i, /duplicate/i, /edit/i]) {
      expect(await page.getByRole('button', { name: action }).count(), String(action)).toBe(0);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
