import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let manager: string;
let reader: string;
let n = 0;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.get(ApiKeysService).ready;
  const limit = { rateLimit: { burst: 10_000, perSecond: 1_000 } };
  manager = (await createKey(t, ['manage_workflows', 'read_workflows'], limit)).key;
  reader = (await createKey(t, ['read_workflows'], limit)).key;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const definition = (overrides: Record<string, unknown> = {}) => ({
  name: `Visa approved ${++n}`,
  version: '1.0.0',
  priority: 'critical',
  triggers: [{ type: 'webhook', key: `visa-approved-${n}` }, { type: 'manual' }],
  steps: [
    { id: 'call', type: 'http.request', config: { method: 'POST', url: 'https://partner.example/hook', body: { id: '{{ input.id }}' } } },
    { id: 'wait', type: 'delay', config: { ms: 1000 }, if: '{{ steps.call.status }}' },
  ],
  ...overrides,
});

const send = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = manager) =>
  t.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });

describe('POST /api/v1/workflows', () => {
  it('creates a workflow with its first version, defaults filled in and webhook URLs listed', async () => {
    const body = definition();
    const res = await send('POST', '/api/v1/workflows', body);
    expect(res.statusCode).toBe(201);
    const wf = res.json();
    expect(wf).toMatchObject({ name: body.name, version: '1.0.0', enabled: true, priority: 'critical', archivedAt: null });
    expect(wf.definition.steps[0]).toMatchObject({ retries: 3, timeout: 30000 });
    expect(wf.webhooks).toEqual([{ key: body.triggers[0]!.key, url: `http://localhost:3000/api/v1/triggers/${(body.triggers[0] as { key: string }).key}`, signed: false }]);
    const got = await send('GET', `/api/v1/workflows/${wf.id}`, undefined, reader);
    expect(got.json()).toEqual(wf);
  });

  it('400 with one error per problem and its path', async () => {
    const res = await send('POST', '/api/v1/workflows', {
      ...definition(),
      version: 'v1',
      steps: [
        { id: 'a', type: 'delay', config: { ms: '{{ steps.b.x }}' } },
        { id: 'a', type: 'fax.send' },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation');
    expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['$.steps[1].type', '$.version']);
    const semantic = await send('POST', '/api/v1/workflows', {
      ...definition(),
      steps: [
        { id: 'a', type: 'delay', config: { ms: '{{ steps.b.x }}' } },
        { id: 'a', type: 'delay', config: { ms: 1 } },
      ],
      triggers: [{ type: 'cron', schedule: 'every day', timezone: 'Nowhere/City' }],
    });
    expect(semantic.statusCode).toBe(400);
    expect(semantic.json().errors.map((e: { path: string }) => e.path)).toEqual(['$.triggers[0].timezone', '$.steps[0].config.ms', '$.steps[1].id']);
  });

  it('issue 10 #7: literal config fields their connectors refuse are 400 naming the path; nothing is created', async () => {
    const body = definition();
    const steps = [...body.steps, { id: 'photo', type: 'image.process', config: { source: 'x', ops: 'visaPhoto' } }];
    const badSource = await send('POST', '/api/v1/workflows', { ...body, steps });
    expect(badSource.statusCode).toBe(400);
    expect(badSource.json()).toMatchObject({ type: '/problems/validation', errors: [{ path: '$.steps[2].config.source' }] });

    const badMethod = await send('POST', '/api/v1/workflows', { ...body, steps: [{ ...body.steps[0]!, config: { ...body.steps[0]!.config, method: 'FETCH' } }, body.steps[1]] });
    expect(badMethod.statusCode).toBe(400);
    expect(badMethod.json().errors).toEqual([{ path: '$.steps[0].config.method', message: expect.stringContaining('"POST"') }]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM workflows WHERE name = ${body.name}`.execute(t.runtime.database.db);
    expect(rows[0]!.n).toBe(0);

    // A templated field is the run's to check; a PUT is checked as a POST is.
    const templated = await send('POST', '/api/v1/workflows', { ...body, steps: [{ ...body.steps[0]!, config: { ...body.steps[0]!.config, method: '{{ input.method }}' } }, body.steps[1]] });
    expect(templated.statusCode).toBe(201);
    const put = await send('PUT', `/api/v1/workflows/${templated.json().id}`, { ...body, version: '1.1.0', steps: [{ id: 'wait', type: 'delay', config: { ms: -5 } }] });
    expect([put.statusCode, put.json().errors]).toEqual([400, [{ path: '$.steps[0].config.ms', message: expect.stringContaining('non-negative') }]]);
  });

  it('400 for a body that is not an object', async () => {
    for (const payload of [[], 'text', 42]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/workflows', payload: JSON.stringify(payload), headers: { 'x-api-key': manager, 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(400);
    }
  });

  it('409 when a webhook key belongs to another workflow, and nothing is created', async () => {
    const first = (await send('POST', '/api/v1/workflows', definition())).json();
    const clash = definition({ triggers: [{ type: 'webhook', key: first.webhooks[0].key }] });
    const res = await send('POST', '/api/v1/workflows', clash);
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain(first.webhooks[0].key);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM workflows WHERE name = ${clash.name}`.execute(t.runtime.database.db);
    expect(rows[0]!.n).toBe(0);
  });

  it('needs manage_workflows (or admin); readers and operators get 403', async () => {
    expect((await send('POST', '/api/v1/workflows', definition(), reader)).statusCode).toBe(403);
    const operator = await signIn(t, 'op@example.com', 'operator');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/workflows', payload: definition(), headers: sessionHeaders(operator.cookie) });
    expect(res.statusCode).toBe(403);
    const admin = await signIn(t, 'admin@example.com', 'admin');
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/workflows', payload: definition(), headers: sessionHeaders(admin.cookie) });
    expect(ok.statusCode).toBe(201);
  });
});

describe('versions', () => {
  it('PUT publishes an immutable new version; the history keeps every one', async () => {
    const body = definition();
    const wf = (await send('POST', '/api/v1/workflows', body)).json();
    const v2 = { ...body, version: '1.1.0', description: 'second' };
    const res = await send('PUT', `/api/v1/workflows/${wf.id}`, v2);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: '1.1.0', description: 'second' });
    const history = (await send('GET', `/api/v1/workflows/${wf.id}/versions`, undefined, reader)).json();
    expect(history.items.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '1.0.0']);
    expect(history.items[1].definition.description).toBeUndefined();
  });

  it('409 unless the version is greater (semver, not text)', async () => {
    const body = definition({ version: '1.9.0' });
    const wf = (await send('POST', '/api/v1/workflows', body)).json();
    for (const version of ['1.9.0', '1.8.9', '1.9.0-rc.1']) {
      const res = await send('PUT', `/api/v1/workflows/${wf.id}`, { ...body, version });
      expect(res.statusCode, version).toBe(409);
      expect(res.json().errors).toEqual([{ path: '$.version', message: 'must be greater than 1.9.0' }]);
    }
    expect((await send('PUT', `/api/v1/workflows/${wf.id}`, { ...body, version: '1.10.0' })).statusCode).toBe(200);
  });

  it('a new version may move webhook keys; freed keys can be taken by others', async () => {
    const body = definition();
    const wf = (await send('POST', '/api/v1/workflows', body)).json();
    const oldKey = wf.webhooks[0].key;
    await send('PUT', `/api/v1/workflows/${wf.id}`, { ...body, version: '2.0.0', triggers: [{ type: 'webhook', key: `${oldKey}-moved` }] });
    const other = await send('POST', '/api/v1/workflows', definition({ triggers: [{ type: 'webhook', key: oldKey }] }));
    expect(other.statusCode).toBe(201);
  });

  it('concurrent new versions: exactly one wins each version number', async () => {
    const body = definition();
    const wf = (await send('POST', '/api/v1/workflows', body)).json();
    const results = await Promise.all(Array.from({ length: 5 }, () => send('PUT', `/api/v1/workflows/${wf.id}`, { ...body, version: '1.0.1' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
  });
});

describe('enable, archive, list', () => {
  it('PATCH enables and disables; bad bodies are 400', async () => {
    const wf = (await send('POST', '/api/v1/workflows', definition())).json();
    const off = await send('PATCH', `/api/v1/workflows/${wf.id}`, { enabled: false });
    expect(off.statusCode).toBe(200);
    expect(off.json().enabled).toBe(false);
    expect((await send('PATCH', `/api/v1/workflows/${wf.id}`, { enabled: 'no' })).statusCode).toBe(400);
    expect((await send('PATCH', `/api/v1/workflows/${wf.id}`, { name: 'x' })).statusCode).toBe(400);
  });

  it('DELETE archives: hidden from the list, webhook keys released, further changes 404', async () => {
    const wf = (await send('POST', '/api/v1/workflows', definition())).json();
    expect((await send('DELETE', `/api/v1/workflows/${wf.id}`)).statusCode).toBe(204);
    expect((await send('DELETE', `/api/v1/workflows/${wf.id}`)).statusCode).toBe(204);
    const got = (await send('GET', `/api/v1/workflows/${wf.id}`, undefined, reader)).json();
    expect(got).toMatchObject({ enabled: false, webhooks: [] });
    expect(got.archivedAt).not.toBeNull();
    const listed = (await send('GET', '/api/v1/workflows?limit=200', undefined, reader)).json();
    expect(listed.items.map((w: { id: string }) => w.id)).not.toContain(wf.id);
    const all = (await send('GET', '/api/v1/workflows?limit=200&includeArchived=true', undefined, reader)).json();
    expect(all.items.map((w: { id: string }) => w.id)).toContain(wf.id);
    expect((await send('PATCH', `/api/v1/workflows/${wf.id}`, { enabled: true })).statusCode).toBe(404);
    expect((await send('PUT', `/api/v1/workflows/${wf.id}`, { ...wf.definition, version: '9.0.0' })).statusCode).toBe(404);
    expect((await send('POST', '/api/v1/workflows', definition({ triggers: [{ type: 'webhook', key: wf.webhooks[0].key }] }))).statusCode).toBe(201);
  });

  it('lists newest first with cursor pagination', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await send('GET', `/api/v1/workflows?limit=3${cursor ? `&cursor=${cursor}` : ''}`, undefined, reader);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((w: { id: string }) => w.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(5);
  });

  it('404 for unknown ids, 400 for malformed ones', async () => {
    expect((await send('GET', '/api/v1/workflows/00000000-0000-4000-8000-000000000000', undefined, reader)).statusCode).toBe(404);
    expect((await send('GET', '/api/v1/workflows/00000000-0000-4000-8000-000000000000/versions', undefined, reader)).statusCode).toBe(404);
    expect((await send('GET', '/api/v1/workflows/abc', undefined, reader)).statusCode).toBe(400);
  });

  it('audits create, update, enable/disable and archive', async () => {
    const body = definition();
    const wf = (await send('POST', '/api/v1/workflows', body)).json();
    await send('PUT', `/api/v1/workflows/${wf.id}`, { ...body, version: '1.0.1' });
    await send('PATCH', `/api/v1/workflows/${wf.id}`, { enabled: false });
    await send('DELETE', `/api/v1/workflows/${wf.id}`);
    await t.app.get(LogService).writer.flush();
    const rows = await t.runtime.database.db
      .selectFrom('logs')
      .select('message')
      .where(sql`payload->>'target'`, '=', `workflow:${wf.id}`)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.message)).toEqual(['workflow.created', 'workflow.updated', 'workflow.disabled', 'workflow.archived']);
  });
});
