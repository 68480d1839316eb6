import { SCOPES } from '@visapi/contracts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let admin: string; // a key with every scope, manage_keys among them

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.get(ApiKeysService).ready;
  admin = (await createKey(t, [...SCOPES], { expiresInDays: 365 })).key;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string | undefined, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, payload, headers: { ...(key ? { 'x-api-key': key } : {}), ...headers } });
const db = () => t.runtime.database.db;
const stable = (body: Record<string, unknown>) => {
  const { requestId: _r, instance: _i, ...rest } = body;
  return rest;
};

describe('POST /api/v1/api-keys', () => {
  it('creates a key, shows it once in vk_<prefix>_<secret> form, and it works', async () => {
    const res = await call('POST', '/api/v1/api-keys', admin, { label: 'partner A', scopes: ['trigger', 'read_logs'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.key).toMatch(new RegExp(`^vk_${body.prefix}_[A-Za-z0-9]{43}$`));
    expect(body.prefix).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(body).toMatchObject({ label: 'partner A', scopes: ['trigger', 'read_logs'], revokedAt: null, rateLimit: null });
    const days = (new Date(body.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    expect((await call('GET', '/api/v1/logs', body.key)).statusCode).toBe(200);
    const stored = await db().selectFrom('api_keys').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(stored.secret_hash.toString('hex')).not.toContain(body.key.split('_')[2]);
    expect(JSON.stringify(stored)).not.toContain(body.key.split('_')[2]);
  });

  it('takes expiresInDays and a per-key rate limit', async () => {
    const res = await call('POST', '/api/v1/api-keys', admin, { label: 'x', scopes: ['trigger'], expiresInDays: 365, rateLimit: { burst: 10, perSecond: 0.5 } });
    expect(res.statusCode).toBe(201);
    expect(res.json().rateLimit).toEqual({ burst: 10, perSecond: 0.5 });
    expect((new Date(res.json().expiresAt).getTime() - Date.now()) / 86_400_000).toBeGreaterThan(364.9);
  });

  it.each([
    [{ label: 'x', scopes: ['trigger', 'admin_everything'] }, '$.scopes[1]'],
    [{ label: 'x', scopes: ['trigger'], expiresInDays: 0 }, '$.expiresInDays'],
    [{ label: 'x', scopes: ['trigger'], expiresInDays: 366 }, '$.expiresInDays'],
    [{ label: 'x', scopes: ['trigger'], expiresInDays: 1.5 }, '$.expiresInDays'],
    [{ label: 'x', scopes: ['trigger'], expiresInDays: '30' }, '$.expiresInDays'],
    [{ label: '', scopes: ['trigger'] }, '$.label'],
    [{ label: 'x', scopes: [] }, '$.scopes'],
    [{ scopes: ['trigger'] }, '$.label'],
    [{ label: 'x', scopes: ['trigger'], owner: 'me' }, '$'],
    [{ label: 'x', scopes: ['trigger'], rateLimit: { burst: 0, perSecond: 1 } }, '$.rateLimit.burst'],
  ])('refuses %j with 400 naming %s', async (payload, path) => {
    const res = await call('POST', '/api/v1/api-keys', admin, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation');
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('issue 9 #13: a key may only grant the scopes it holds', () => {
  it('issue 9 #13: a manage_keys key cannot mint a key with scopes it lacks (403), but may mint its own subset', async () => {
    const keeper = await createKey(t, ['manage_keys', 'trigger']);
    const refused = await call('POST', '/api/v1/api-keys', keeper.key, { label: 'escalate', scopes: ['trigger', 'manage_workflows', 'read_logs'] });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('manage_workflows, read_logs');
    const allowed = await call('POST', '/api/v1/api-keys', keeper.key, { label: 'subset', scopes: ['trigger'] });
    expect(allowed.statusCode).toBe(201);
    // Unknown scopes stay a 400, whoever asks.
    expect((await call('POST', '/api/v1/api-keys', keeper.key, { label: 'x', scopes: ['root'] })).statusCode).toBe(400);
  });

  it('issue 9 #13: a manage_keys key cannot rotate (and so read) a key with scopes it lacks', async () => {
    const keeper = await createKey(t, ['manage_keys']);
    const strong = await createKey(t, ['manage_workflows']);
    const res = await call('POST', `/api/v1/api-keys/${strong.id}/rotate`, keeper.key, { graceHours: 0 });
    expect(res.statusCode).toBe(403);
    expect((await call('GET', '/api/v1/workflows', strong.key)).statusCode).not.toBe(401);
  });

  it('issue 9 review: a key made or rotated by a key expires no later than its maker', async () => {
    const keeper = await createKey(t, ['manage_keys', 'trigger'], { expiresInDays: 10 });
    const longer = await call('POST', '/api/v1/api-keys', keeper.key, { label: 'outlive', scopes: ['trigger'], expiresInDays: 30 });
    expect(longer.statusCode).toBe(201);
    expect(longer.json().expiresAt).toBe(keeper.expiresAt);
    const longLived = await createKey(t, ['trigger'], { expiresInDays: 300 });
    const rotated = await call('POST', `/api/v1/api-keys/${longLived.id}/rotate`, keeper.key, { graceHours: 0 });
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json().expiresAt).toBe(keeper.expiresAt);
  });

  it('issue 9 review: a key made by a key has no larger rate limit than its maker (larger → 403, by default the maker’s)', async () => {
    const keeper = await createKey(t, ['manage_keys', 'trigger'], { rateLimit: { burst: 5, perSecond: 1 } });
    const larger = await call('POST', '/api/v1/api-keys', keeper.key, { label: 'faster', scopes: ['trigger'], rateLimit: { burst: 1000, perSecond: 1 } });
    expect(larger.statusCode).toBe(403);
    const byDefault = await call('POST', '/api/v1/api-keys', keeper.key, { label: 'same', scopes: ['trigger'] });
    expect(byDefault.statusCode).toBe(201);
    expect(byDefault.json().rateLimit).toEqual({ burst: 5, perSecond: 1 });
  });

  it('issue 9 review: a manage_keys key can neither revoke a key with scopes it lacks nor rotate one with a larger rate limit', async () => {
    const keeper = await createKey(t, ['manage_keys', 'read_logs'], { expiresInDays: 5 });
    const stronger = await createKey(t, ['read_logs', 'manage_workflows']);
    expect((await call('DELETE', `/api/v1/api-keys/${stronger.id}`, keeper.key)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/logs', stronger.key)).statusCode).toBe(200);
    const faster = await createKey(t, ['read_logs'], { rateLimit: { burst: 100_000, perSecond: 1000 } });
    expect((await call('POST', `/api/v1/api-keys/${faster.id}/rotate`, keeper.key, { graceHours: 0 })).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/logs', faster.key)).statusCode).toBe(200);
    const weaker = await createKey(t, ['read_logs'], { expiresInDays: 1 });
    expect((await call('DELETE', `/api/v1/api-keys/${weaker.id}`, keeper.key)).statusCode).toBe(204);
  });

  it('issue 9 #13: an admin session may grant any scope', async () => {
    const adminUser = await signIn(t, 'grantor@example.com', 'admin');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: sessionHeaders(adminUser.cookie),
      payload: { label: 'all', scopes: [...SCOPES] },
    });
    expect(res.statusCode).toBe(201);
  });
});

describe('authentication', () => {
  it('answers every kind of bad key with one identical 401', async () => {
    const good = await createKey(t, ['read_logs']);
    const [, prefix] = good.key.split('_');
    const expired = await createKey(t, ['read_logs']);
    await db().updateTable('api_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expired.id).execute();
    const revoked = await createKey(t, ['read_logs']);
    await t.app.get(ApiKeysService).revoke(revoked.id);

    const bodies = [];
    for (const headers of [
      {},
      { 'x-api-key': '' },
      { 'x-api-key': 'not-a-key' },
      { authorization: 'Basic abc' },
      { 'x-api-key': `vk_unknownprefix_${'a'.repeat(43)}` },
      { 'x-api-key': `vk_${prefix}_${'a'.repeat(43)}` },
      { 'x-api-key': expired.key },
      { 'x-api-key': revoked.key },
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/logs', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      bodies.push(stable(res.json()));
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]).toEqual({ type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Missing or invalid credentials.' });
  });

  it('GET /auth/me with any valid key names the key, whatever its scopes', async () => {
    const key = await createKey(t, ['trigger']);
    const res = await call('GET', '/api/v1/auth/me', key.key);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ kind: 'apiKey', id: key.id, prefix: key.prefix, scopes: ['trigger'] });
  });

  it('takes the key as a bearer token too', async () => {
    const key = await createKey(t, ['read_logs']);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/logs', headers: { authorization: `Bearer ${key.key}` } });
    expect(res.statusCode).toBe(200);
  });

  it('403 for a valid key without the scope, and for a key on a session-only route', async () => {
    const key = await createKey(t, ['trigger']);
    const res = await call('GET', '/api/v1/logs', key.key);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('This API key lacks the scope read_logs.');
    expect((await call('GET', '/api/v1/users', key.key)).statusCode).toBe(403);
  });

  it('records last_used_at off the request path, at most once a minute', async () => {
    const key = await createKey(t, ['read_logs']);
    await call('GET', '/api/v1/logs', key.key);
    await expect
      .poll(async () => (await db().selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at)
      .not.toBeNull();
    const first = (await db().selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at;
    await call('GET', '/api/v1/logs', key.key);
    await new Promise((r) => setTimeout(r, 100));
    const second = (await db().selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at;
    expect(second).toEqual(first);
  });
});

describe('GET /api/v1/api-keys', () => {
  it('lists keys newest first with cursor pagination, never a secret or hash', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createKey(t, ['trigger'], { label: `page-${i}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const item of body.items) {
        expect(Object.keys(item).sort()).toEqual(
          ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'prefix', 'previousSecretExpiresAt', 'rateLimit', 'revokedAt', 'scopes'],
        );
        seen.push(item.id);
      }
      for (const m of made) expect(res.body).not.toContain(m.key.split('_')[2]);
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const order = made.map((m) => seen.indexOf(m.id));
    expect(order).toEqual([...order].sort((a, b) => b - a));
  });

  it('400 for a bad limit or a forged cursor', async () => {
    expect((await call('GET', '/api/v1/api-keys?limit=0', admin)).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/api-keys?limit=201', admin)).statusCode).toBe(400);
    const forged = Buffer.from('["x","y"]').toString('base64url');
    const res = await call('GET', `/api/v1/api-keys?cursor=${forged}`, admin);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('$.cursor');
  });
});

describe('rotation and revocation', () => {
  it('rotation issues a new secret and keeps the old one for the grace period', async () => {
    const key = await createKey(t, ['read_logs']);
    const res = await call('POST', `/api/v1/api-keys/${key.id}/rotate`, admin, { graceHours: 1 });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const rotated = res.json();
    expect(rotated.key).not.toBe(key.key);
    expect(rotated.prefix).toBe(key.prefix);
    expect((await call('GET', '/api/v1/logs', rotated.key)).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/logs', key.key)).statusCode).toBe(200);
    expect(new Date(rotated.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('with no grace the old secret stops working at once; the default grace is 24 h', async () => {
    const key = await createKey(t, ['read_logs']);
    const res = await call('POST', `/api/v1/api-keys/${key.id}/rotate`, admin, { graceHours: 0 });
    expect((await call('GET', '/api/v1/logs', key.key)).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/logs', res.json().key)).statusCode).toBe(200);
    const other = await createKey(t, ['read_logs']);
    const byDefault = await call('POST', `/api/v1/api-keys/${other.id}/rotate`, admin);
    expect(byDefault.statusCode).toBe(201);
    const grace = new Date(byDefault.json().previousSecretExpiresAt).getTime() - Date.now();
    expect(grace).toBeGreaterThan(23.9 * 3_600_000);
  });

  it('refuses bad rotations', async () => {
    const key = await createKey(t, ['read_logs']);
    expect((await call('POST', `/api/v1/api-keys/${key.id}/rotate`, admin, { graceHours: -1 })).statusCode).toBe(400);
    expect((await call('POST', `/api/v1/api-keys/${key.id}/rotate`, admin, { graceHours: 1000 })).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/api-keys/not-a-uuid/rotate', admin, {})).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000/rotate', admin, {})).statusCode).toBe(404);
    await t.app.get(ApiKeysService).revoke(key.id);
    expect((await call('POST', `/api/v1/api-keys/${key.id}/rotate`, admin, {})).statusCode).toBe(404);
  });

  it('revocation answers 204, is idempotent, and the key stops working', async () => {
    const key = await createKey(t, ['read_logs']);
    expect((await call('DELETE', `/api/v1/api-keys/${key.id}`, admin)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/logs', key.key)).statusCode).toBe(401);
    expect((await call('DELETE', `/api/v1/api-keys/${key.id}`, admin)).statusCode).toBe(204);
    expect((await call('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000', admin)).statusCode).toBe(404);
  });

  it('writes an audit row with the actor for create, rotate and revoke', async () => {
    const actorKey = await createKey(t, ['manage_keys', 'trigger']);
    const created = (await call('POST', '/api/v1/api-keys', actorKey.key, { label: 'audited', scopes: ['trigger'] })).json();
    await call('POST', `/api/v1/api-keys/${created.id}/rotate`, actorKey.key, {});
    await call('DELETE', `/api/v1/api-keys/${created.id}`, actorKey.key);
    await t.app.get(LogService).writer.flush();
    const rows = await db()
      .selectFrom('logs')
      .select(['message', 'actor_id', 'payload'])
      .where(sql`payload->>'target'`, '=', `api_key:${created.id}`)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.message)).toEqual(['api_key.created', 'api_key.rotated', 'api_key.revoked']);
    for (const row of rows) {
      expect(row.actor_id).toBe(actorKey.id);
      expect(row.payload).toMatchObject({ audit: true, actorType: 'api_key' });
      expect(JSON.stringify(row.payload)).not.toContain(created.key.split('_')[2]);
    }
  });

  it('an admin session may manage keys; an operator may not', async () => {
    const adminUser = await signIn(t, 'boss@example.com', 'admin');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: sessionHeaders(adminUser.cookie),
      payload: { label: 'from dashboard', scopes: ['trigger'] },
    });
    expect(res.statusCode).toBe(201);
    const operator = await signIn(t, 'op@example.com', 'operator');
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: sessionHeaders(operator.cookie) });
    expect(refused.statusCode).toBe(403);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the burst, with RateLimit headers on every response', async () => {
    const key = await createKey(t, ['read_logs'], { rateLimit: { burst: 3, perSecond: 0.01 } });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('GET', '/api/v1/logs', key.key);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      remaining.push(res.headers['ratelimit-remaining']);
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await call('GET', '/api/v1/logs', key.key);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().type).toBe('/problems/too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(100);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
  });

  it('counts a request refused for its scope too, with headers', async () => {
    const key = await createKey(t, ['trigger'], { rateLimit: { burst: 5, perSecond: 1 } });
    const res = await call('GET', '/api/v1/logs', key.key);
    expect(res.statusCode).toBe(403);
    expect(res.headers['ratelimit-remaining']).toBe('4');
  });

  it('uses the default bucket (burst 200) for a key without its own', async () => {
    const key = await createKey(t, ['read_logs']);
    const res = await call('GET', '/api/v1/logs', key.key);
    expect(res.headers['ratelimit-limit']).toBe('200');
    expect(res.headers['ratelimit-remaining']).toBe('199');
  });
});
