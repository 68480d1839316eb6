import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { sha256 } from '../src/platform/crypto/tokens';
import { LogService } from '../src/logs/log-write.service';
import { UsersRepository } from '../src/users/users.repository';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { linkIn, TestSmtpServer } from './support/smtp-server';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let smtp: TestSmtpServer;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  const smtpUrl = await smtp.start();
  t = await createTestApp(infra, {
    role: 'gateway',
    env: {
      SMTP_URL: smtpUrl,
      MAIL_FROM: 'VisAPI <visapi@visa.example>',
      AUTH_ALLOWED_DOMAINS: 'visa.example',
      ADMIN_EMAILS: 'chief@elsewhere.example',
      IP_RATE_LIMIT_BURST: '1000',
    },
  });
  await t.app.get(ApiKeysService).ready;
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
  await infra?.cleanup();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const db = () => t.runtime.database.db;

async function requestLink(email: string): Promise<URL> {
  const mail = smtp.nextMail();
  const res = await post('/api/v1/auth/magic-link', { email });
  expect(res.statusCode).toBe(202);
  return linkIn(await mail);
}

const verify = (token: string | null) => post('/api/v1/auth/verify', { token });

describe('magic-link sign-in', () => {
  it('mails a single-use link to an allowed address; verify opens a session for a new viewer', async () => {
    const link = await requestLink('Dana@Visa.Example');
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toMatchObject({ text: 'dana@visa.example' });
    expect(mail.from?.text).toContain('visapi@visa.example');
    expect(link.origin + link.pathname).toBe('http://localhost:3000/auth/callback');

    const res = await verify(link.searchParams.get('token'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: 'dana@visa.example', role: 'viewer' });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^visapi_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: 'dana@visa.example', role: 'viewer' });
  });

  it('stores only a hash of the token', async () => {
    const link = await requestLink('hash@visa.example');
    const token = link.searchParams.get('token')!;
    const rows = await db().selectFrom('magic_link_tokens').selectAll().where('email', '=', 'hash@visa.example').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash.equals(sha256(token))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('answers 202 and sends nothing for a domain that is not allowed', async () => {
    const before = smtp.mails.length;
    const res = await post('/api/v1/auth/magic-link', { email: 'someone@gmail.com' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual((await post('/api/v1/auth/magic-link', { email: 'x@visa.example' })).json());
    await smtp.nextMail(); // the allowed one
    expect(smtp.mails.length).toBe(before + 1);
    expect(smtp.mails.at(-1)!.to).toMatchObject({ text: 'x@visa.example' });
  });

  it('lets an ADMIN_EMAILS address sign in whatever its domain, as admin', async () => {
    const link = await requestLink('chief@elsewhere.example');
    const res = await verify(link.searchParams.get('token'));
    expect(res.json().role).toBe('admin');
  });

  it('opening the link does not use the token; verifying it twice does', async () => {
    const link = await requestLink('twice@visa.example');
    const page = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, headers: { accept: 'text/html' } });
    expect([200, 503]).toContain(page.statusCode); // the SPA (or "not built"), never a sign-in
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await verify(link.searchParams.get('token'))).statusCode).toBe(200);
    const again = await verify(link.searchParams.get('token'));
    expect(again.statusCode).toBe(401);
    expect(again.json().detail).toContain('used, expired or unknown');
  });

  it('refuses an expired or unknown token with 401', async () => {
    const link = await requestLink('late@visa.example');
    const token = link.searchParams.get('token')!;
    await db().updateTable('magic_link_tokens').set({ expires_at: new Date(Date.now() - 1) }).where('token_hash', '=', sha256(token)).execute();
    expect((await verify(token)).statusCode).toBe(401);
    expect((await verify('nope')).statusCode).toBe(401);
  });

  it('verifies a token only once even under concurrent requests', async () => {
    const link = await requestLink('race@visa.example');
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(link.searchParams.get('token'))));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it.each([
    [{ email: 'not-an-address' }, 400],
    [{ email: 'a@visa.example', extra: 1 }, 400],
    [{}, 400],
  ])('refuses %j', async (payload, status) => {
    expect((await post('/api/v1/auth/magic-link', payload)).statusCode).toBe(status);
  });

  it('refuses a malformed verify body with 400', async () => {
    expect((await post('/api/v1/auth/verify', { token: '' })).statusCode).toBe(400);
    expect((await post('/api/v1/auth/verify', { token: 'x'.repeat(201) })).statusCode).toBe(400);
  });
});

describe('sessions', () => {
  it('expire after 30 idle minutes', async () => {
    const { cookie, userId } = await signIn(t, 'idle@visa.example');
    await db().updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('user_id', '=', userId).execute();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('slide: activity within the idle window keeps the session', async () => {
    const { cookie, userId } = await signIn(t, 'slide@visa.example');
    await db().updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 29 * 60_000) }).where('user_id', '=', userId).execute();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const { last_seen_at } = await db().selectFrom('sessions').select('last_seen_at').where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(Date.now() - last_seen_at.getTime()).toBeLessThan(60_000);
  });

  it('end at the 12-hour absolute limit however active', async () => {
    const { cookie, userId } = await signIn(t, 'long@visa.example');
    await db().updateTable('sessions').set({ absolute_expires_at: new Date(Date.now() - 1) }).where('user_id', '=', userId).execute();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('logout ends the session at once and clears the cookie', async () => {
    const { cookie } = await signIn(t, 'bye@visa.example');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: sessionHeaders(cookie) });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toContain('visapi_session=; Max-Age=0');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a state-changing request with a session cookie from another origin, or none', async () => {
    const { cookie } = await signIn(t, 'csrf@visa.example');
    for (const headers of [{ cookie, origin: 'https://evil.example' }, { cookie }, { cookie, referer: 'https://evil.example/page' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
    }
    const viaReferer = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, referer: 'http://localhost:3000/runs' } });
    expect(viaReferer.statusCode).toBe(204);
  });

  it('a garbage cookie is a 401, not an error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: 'visapi_session=%%%; other=1' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('roles and users', () => {
  it('viewers cannot list users; admins can, and role changes take effect at once', async () => {
    const viewer = await signIn(t, 'viewer@visa.example');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: viewer.cookie } })).statusCode).toBe(403);

    const admin = await signIn(t, 'admin@visa.example', 'admin');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/users?limit=200', headers: { cookie: admin.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((u: { email: string }) => u.email)).toContain('viewer@visa.example');

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${viewer.userId}`,
      headers: sessionHeaders(admin.cookie),
      payload: { role: 'operator' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().role).toBe('operator');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: viewer.cookie } });
    expect(me.json().role).toBe('operator');
  });

  it('refuses unknown roles, bad ids and unknown users', async () => {
    const admin = await signIn(t, 'admin2@visa.example', 'admin');
    const patch = (id: string, payload: unknown) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: sessionHeaders(admin.cookie), payload: payload as object });
    expect((await patch(admin.userId, { role: 'superuser' })).statusCode).toBe(400);
    expect((await patch(admin.userId, {})).statusCode).toBe(400);
    expect((await patch('nope', { role: 'viewer' })).statusCode).toBe(400);
    expect((await patch('00000000-0000-4000-8000-000000000000', { role: 'viewer' })).statusCode).toBe(404);
  });

  it('never demotes the last admin (409), and admins can still demote one another', async () => {
    const admin = await signIn(t, 'last-admin@visa.example', 'admin');
    const other = await signIn(t, 'other-admin@visa.example', 'admin');
    const patch = (id: string, role: string) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: sessionHeaders(admin.cookie), payload: { role } });
    expect((await patch(other.userId, 'operator')).statusCode).toBe(200);
    // Every other admin of this file's database steps down, through the service's own rule.
    const users = t.app.get(UsersRepository);
    const admins = await db().selectFrom('users').select('id').where('role', '=', 'admin').where('id', '<>', admin.userId).execute();
    for (const { id } of admins) expect(await users.setRoleKeepingAnAdmin(id, 'viewer')).toBeDefined();
    const refused = await patch(admin.userId, 'viewer');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toBe('last-admin@visa.example is the last admin: make another user admin first.');
    expect((await patch(other.userId, 'admin')).statusCode).toBe(200);
    expect((await patch(admin.userId, 'viewer')).statusCode).toBe(200);
  });

  it('audits sign-in, sign-out and role changes with the actor', async () => {
    const admin = await signIn(t, 'auditor@visa.example', 'admin');
    const user = await signIn(t, 'audited@visa.example');
    await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${user.userId}`, headers: sessionHeaders(admin.cookie), payload: { role: 'admin' } });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: sessionHeaders(user.cookie) });
    await t.app.get(LogService).writer.flush();
    const rows = await db()
      .selectFrom('logs')
      .select(['message', 'actor_id', 'payload', 'pii_redacted'])
      .where(sql`payload->>'target'`, '=', `user:${user.userId}`)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.message, r.actor_id])).toEqual([
      ['auth.signed_in', user.userId],
      ['user.role_changed', admin.userId],
      ['auth.signed_out', user.userId],
    ]);
    expect(rows[1]!.payload).toMatchObject({ from: 'viewer', to: 'admin' });
    expect(rows.every((r) => r.pii_redacted)).toBe(true);
  });
});

describe('API docs are gated (SPEC §2)', () => {
  it('issue 9 #10: no spelling of the docs path reaches the document without credentials', async () => {
    const urls = [
      '/api/%64ocs/openapi.json',
      '/api/%64%6f%63%73/openapi.json',
      '/%61pi/docs/openapi.json',
      '/api/docs/openapi%2Ejson',
      '/api/docs/openapi.yaml',
      '/api/docs/swagger-ui-init.js',
      '/api/%64ocs/swagger-ui-init.js',
      '/api/docs%2Fopenapi.json',
      '/api/docs/',
      '/api/docs?x=1',
      '//api/docs/openapi.json',
      '/API/docs/openapi.json',
      '/api/DOCS/openapi.json',
      '/api/docs-json',
      '/api/./docs/openapi.json',
    ];
    const document = /"openapi":\s*"3|^openapi: 3|swagger-ui\.css|SwaggerUIBundle/m;
    // The pattern recognises what the gate protects (with credentials every piece is served).
    const key = await createKey(t, ['read_runs']);
    for (const url of ['/api/docs', '/api/docs/openapi.json', '/api/docs/openapi.yaml', '/api/docs/swagger-ui-init.js']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-api-key': key.key } });
      expect([url, res.statusCode, document.test(res.body)]).toEqual([url, 200, true]);
    }
    const leaked: string[] = [];
    for (const url of urls) {
      for (const accept of ['application/json', 'text/html']) {
        const res = await t.app.inject({ method: 'GET', url, headers: { accept } });
        // A browser asking for a path that is not the docs' gets the dashboard's index.html (200).
        const dashboard = res.statusCode === 200 && accept === 'text/html' && String(res.headers['content-type']).startsWith('text/html');
        if (!(dashboard || [302, 401, 404].includes(res.statusCode)) || document.test(res.body)) {
          leaked.push(`${url} (${accept}) → ${res.statusCode}`);
        }
      }
    }
    expect(leaked).toEqual([]);
  });


  it('401 without credentials, a sign-in redirect for a browser, 200 with a key or a session', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).statusCode).toBe(401);
    const browser = await t.app.inject({ method: 'GET', url: '/api/docs', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe('/sign-in?next=%2Fapi%2Fdocs');
    const key = await createKey(t, ['read_runs']);
    const withKey = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json', headers: { 'x-api-key': key.key } });
    expect(withKey.statusCode).toBe(200);
    expect(withKey.json().openapi).toBe('3.1.0');
    const { cookie } = await signIn(t, 'reader@visa.example');
    expect((await t.app.inject({ method: 'GET', url: '/api/docs', headers: { cookie, accept: 'text/html' } })).statusCode).toBe(200);
  });
});
