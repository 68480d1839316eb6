import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { ProbeModule } from './support/probe.module';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', imports: [ProbeModule] });
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

describe('access rules', () => {
  it('issue 9 #17: a rule with a scope but no role refuses sessions of every role, and takes a key with the scope', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const { cookie } = await signIn(t, `${role}@example.com`, role);
      const res = await t.app.inject({ method: 'GET', url: '/test/key-only', headers: sessionHeaders(cookie) });
      expect(res.statusCode, role).toBe(403);
      expect(res.json().detail).toBe('This route takes an API key, not a dashboard session.');
    }
    const withScope = await createKey(t, ['read_logs']);
    expect((await t.app.inject({ method: 'GET', url: '/test/key-only', headers: { 'x-api-key': withScope.key } })).statusCode).toBe(200);
    const without = await createKey(t, ['trigger']);
    expect((await t.app.inject({ method: 'GET', url: '/test/key-only', headers: { 'x-api-key': without.key } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/test/key-only' })).statusCode).toBe(401);
  });
});
