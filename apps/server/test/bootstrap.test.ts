import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { bootstrapAdminLink } from '../src/auth/bootstrap-admin';
import { EXAMPLES_DIR, seedDemo } from '../src/seed/demo';
import { seed } from '../src/seed/seed';
import { createKey } from './support/auth-helpers';
import { runCli } from './support/processes';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'all' });
  await seed(t.runtime); // what npm start does before the first start's announcements
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

describe('first start', () => {
  it('creates admin@localhost and a working sign-in link when there is no admin, once', async () => {
    const link = await bootstrapAdminLink(t.app, t.runtime);
    expect(link).toMatch(/^http:\/\/localhost:3000\/auth\/callback\?token=[\w-]{43}$/);
    const token = new URL(link!).searchParams.get('token');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify', payload: { token } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: 'admin@localhost', role: 'admin' });
    expect(await bootstrapAdminLink(t.app, t.runtime)).toBeUndefined();
  });

  it('visapi auth:link prints a new link for an existing user, and refuses an unknown one', async () => {
    const env = { DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix };
    const res = await runCli(['auth:link', 'admin@localhost', '--json'], env);
    expect(res.code).toBe(0);
    const { link } = JSON.parse(res.stdout);
    const verify = await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify', payload: { token: new URL(link).searchParams.get('token') } });
    expect(verify.statusCode).toBe(200);
    const unknown = await runCli(['auth:link', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^visapi: No user has the address nobody@example.com/);
  });

  it('imports every example workflow and prints a working call of the demo webhook, once', async () => {
    const text = await seedDemo(t.app, t.runtime);
    expect(text).toContain('Demo workflow "Application status update" imported');
    const key = /Bearer (vk_\w+)/.exec(text!)?.[1];
    const url = /curl -X POST (\S+)/.exec(text!)?.[1];
    const body = /-d '(.+)'/.exec(text!)?.[1];
    expect(url).toBe('http://localhost:3000/api/v1/triggers/application-status-update');
    const res = await t.app.inject({ method: 'POST', url: new URL(url!).pathname, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode, res.body).toBe(202);
    // No connector credentials: the demo runs in sandbox mode, its messages in the outbox.
    const runUrl = new URL(res.json().statusUrl).pathname;
    await expect.poll(async () => (await t.app.inject({ method: 'GET', url: runUrl, headers: { authorization: `Bearer ${key}` } })).json().status, { timeout: 15_000, interval: 50 }).toBe('succeeded');
    const outbox = await t.app.inject({ method: 'GET', url: `/api/v1/outbox?runId=${res.json().runId}`, headers: { authorization: `Bearer ${key}` } });
    expect(outbox.json().items.map((m: { connector: string; recipient: string }) => [m.connector, m.recipient]).sort()).toEqual([
      ['slack.send', '#visa-ops'],
      ['whatsapp.send', '+972501234567'],
    ]);

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/workflows?limit=200', headers: { authorization: `Bearer ${(await createKey(t, ['read_workflows'])).key}` } });
    const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
    expect(list.json().items).toHaveLength(files.length);
    expect(await seedDemo(t.app, t.runtime)).toBeUndefined();
  });
});
