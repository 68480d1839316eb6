import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminLink } from '../src/auth/bootstrap-admin';
import { runCli } from './support/processes';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
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
});
