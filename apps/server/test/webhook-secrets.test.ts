import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

// Signing secrets never leave the server once stored (SPEC §3.3: viewers read everything but secrets).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_c2Vjb25kLXNlY3JldC1mb3ItdGhlLXRlc3Q=';
let infra: TestInfra;
let t: TestApp;
let manager: string;
let reader: string;
let caller: string;
let viewer: string;
let operator: string;
let admin: string;
let n = 0;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  const limit = { rateLimit: { burst: 10_000, perSecond: 1_000 } };
  manager = (await createKey(t, ['manage_workflows', 'read_workflows'], limit)).key;
  reader = (await createKey(t, ['read_workflows'], limit)).key;
  caller = (await createKey(t, ['trigger'], limit)).key;
  viewer = (await signIn(t, 'viewer@example.com', 'viewer')).cookie;
  operator = (await signIn(t, 'operator@example.com', 'operator')).cookie;
  admin = (await signIn(t, 'admin@example.com', 'admin')).cookie;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

type Who = { key: string } | { cookie: string };
const headersOf = (who: Who) => ('key' in who ? { 'x-api-key': who.key } : sessionHeaders(who.cookie));
const send = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: Who = { key: manager }, payload?: unknown) =>
  t.app.inject({ method, url, headers: headersOf(who), ...(payload === undefined ? {} : { payload: payload as object }) });

async function signedWorkflow(secret = SECRET) {
  const key = `signed-${++n}`;
  const created = await createWorkflow(t, manager, {
    name: `Signed flow ${n}`,
    triggers: [{ type: 'webhook', key, signingSecret: secret }, { type: 'webhook', key: `${key}-open` }, { type: 'manual' }],
    steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }],
  });
  return { id: created.id, key, created };
}

/** A Standard Webhooks request to the trigger, signed with `secret` (no API key). */
function deliver(key: string, secret: string) {
  const body = JSON.stringify({ applicationId: `A-${++n}` });
  const id = `msg_${n}`;
  const at = new Date();
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/triggers/${key}`,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
  });
}

const secretPart = (secret: string) => secret.slice('whsec_'.length);
const storedTriggers = async (id: string, version: string) => {
  const row = await t.runtime.database.db
    .selectFrom('workflow_versions')
    .select('definition')
    .where('workflow_id', '=', id)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  return (row.definition as { triggers: Array<Record<string, unknown>> }).triggers;
};

describe('reading definitions', () => {
  it('issue 9 #2: a viewer session and a read_workflows key get no signingSecret in get, versions or list, and see signed: true', async () => {
    const wf = await signedWorkflow();
    for (const who of [{ cookie: viewer }, { key: reader }] as Who[]) {
      const got = await send('GET', `/api/v1/workflows/${wf.id}`, who);
      const versions = await send('GET', `/api/v1/workflows/${wf.id}/versions`, who);
      const list = await send('GET', '/api/v1/workflows?limit=200&includeArchived=true', who);
      for (const res of [got, versions, list]) {
        expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain(secretPart(SECRET));
        expect(res.body).not.toContain('signingSecret');
      }
      const expected = [{ type: 'webhook', key: wf.key, signed: true }, { type: 'webhook', key: `${wf.key}-open` }, { type: 'manual' }];
      expect(got.json().definition.triggers).toEqual(expected);
      expect(versions.json().items[0].definition.triggers).toEqual(expected);
      expect(got.json().webhooks.map((w: { signed: boolean }) => w.signed)).toEqual([true, false]);
    }
  });

  it('issue 9 #2: the answers to create, update and enable carry no secret either', async () => {
    const wf = await signedWorkflow();
    expect(JSON.stringify(wf.created)).not.toContain(secretPart(SECRET));
    const definition = { ...wf.created.definition, version: '1.0.1' };
    const updated = await send('PUT', `/api/v1/workflows/${wf.id}`, { key: manager }, { ...definition, triggers: [{ type: 'webhook', key: wf.key, signingSecret: OTHER }] });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.body).not.toContain(secretPart(OTHER));
    expect(updated.json().definition.triggers).toEqual([{ type: 'webhook', key: wf.key, signed: true }]);
    const patched = await send('PATCH', `/api/v1/workflows/${wf.id}`, { key: manager }, { enabled: false });
    expect(patched.body).not.toContain(secretPart(OTHER));
  });
});

describe('publishing a definition read without its secrets', () => {
  it('issue 9 #2: an admin PUT of the GET’s definition (version bumped) keeps the secret: the old signature still works', async () => {
    const wf = await signedWorkflow();
    const read = (await send('GET', `/api/v1/workflows/${wf.id}`, { cookie: admin })).json();
    expect(read.definition.triggers[0]).toEqual({ type: 'webhook', key: wf.key, signed: true }); // admins do not read it either
    const roundTrip = await send('PUT', `/api/v1/workflows/${wf.id}`, { cookie: admin }, { ...read.definition, version: '1.0.1', description: 'edited' });
    expect(roundTrip.statusCode, roundTrip.body).toBe(200);
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(202);
    // A trigger written without `signed` at all keeps its secret too.
    const plain = read.definition.triggers.map(({ signed: _, ...trigger }: Record<string, unknown>) => trigger);
    expect((await send('PUT', `/api/v1/workflows/${wf.id}`, { cookie: admin }, { ...read.definition, version: '1.0.2', triggers: plain })).statusCode).toBe(200);
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(202);
    // `signed` only mirrors the secret's presence: it is never stored.
    expect(await storedTriggers(wf.id, '1.0.1')).toEqual([{ type: 'webhook', key: wf.key, signingSecret: SECRET }, { type: 'webhook', key: `${wf.key}-open` }, { type: 'manual' }]);
    expect(await storedTriggers(wf.id, '1.0.2')).toEqual(await storedTriggers(wf.id, '1.0.1'));
  });

  it('issue 9 #2: signed: false removes the secret; a new signingSecret replaces it', async () => {
    const wf = await signedWorkflow();
    const definition = (await send('GET', `/api/v1/workflows/${wf.id}`)).json().definition;
    const replaced = await send('PUT', `/api/v1/workflows/${wf.id}`, { key: manager }, { ...definition, version: '1.1.0', triggers: [{ type: 'webhook', key: wf.key, signingSecret: OTHER }] });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(401);
    expect((await deliver(wf.key, OTHER)).statusCode).toBe(202);

    const removed = await send('PUT', `/api/v1/workflows/${wf.id}`, { key: manager }, { ...definition, version: '1.2.0', triggers: [{ type: 'webhook', key: wf.key, signed: false }] });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().definition.triggers).toEqual([{ type: 'webhook', key: wf.key }]);
    expect(removed.json().webhooks[0].signed).toBe(false);
    expect(await storedTriggers(wf.id, '1.2.0')).toEqual([{ type: 'webhook', key: wf.key }]);
    expect((await deliver(wf.key, OTHER)).statusCode).toBe(401);
    const keyed = await t.app.inject({ method: 'POST', url: `/api/v1/triggers/${wf.key}`, payload: { a: 1 }, headers: { 'x-api-key': caller } });
    expect(keyed.statusCode).toBe(202);
  });

  it('issue 9 #2: signed: true without a stored secret, or beside signed: false, is a 400 naming the trigger', async () => {
    const wf = await signedWorkflow();
    const definition = (await send('GET', `/api/v1/workflows/${wf.id}`)).json().definition;
    const unknown = await send('PUT', `/api/v1/workflows/${wf.id}`, { key: manager }, { ...definition, version: '2.0.0', triggers: [{ type: 'webhook', key: `${wf.key}-open`, signed: true }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ path: '$.triggers[0].signed', message: expect.stringMatching(/no signing secret.*signingSecret.*rotate-secret/) }]);
    const fresh = await send('POST', '/api/v1/workflows', { key: manager }, { ...definition, name: `fresh ${++n}`, triggers: [{ type: 'webhook', key: `fresh-${n}`, signed: true }] });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.json().errors[0].path).toBe('$.triggers[0].signed');
    const both = await send('PUT', `/api/v1/workflows/${wf.id}`, { key: manager }, { ...definition, version: '2.0.0', triggers: [{ type: 'webhook', key: wf.key, signingSecret: OTHER, signed: false }] });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors).toEqual([{ path: '$.triggers[0].signed', message: expect.stringContaining('signingSecret') }]);
    expect(both.body).not.toContain(secretPart(OTHER));
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(202);
  });
});

describe('POST /api/v1/workflows/{id}/webhooks/{key}/rotate-secret', () => {
  it('issue 9 #2: 201 with a new secret shown once, as a new patch version; the old signature is 401, the new one 202', async () => {
    const wf = await signedWorkflow();
    const res = await send('POST', `/api/v1/workflows/${wf.id}/webhooks/${wf.key}/rotate-secret`, { cookie: admin });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const rotated = res.json();
    expect(rotated).toEqual({ key: wf.key, signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), version: '1.0.1' });
    expect(Buffer.from(secretPart(rotated.signingSecret), 'base64')).toHaveLength(32);
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(401);
    expect((await deliver(wf.key, rotated.signingSecret)).statusCode).toBe(202);

    const got = await send('GET', `/api/v1/workflows/${wf.id}`, { cookie: admin });
    expect(got.json()).toMatchObject({ version: '1.0.1' });
    expect(got.body).not.toContain(secretPart(rotated.signingSecret));
    const history = (await send('GET', `/api/v1/workflows/${wf.id}/versions`)).json();
    expect(history.items.map((v: { version: string }) => v.version)).toEqual(['1.0.1', '1.0.0']);
    expect(history.items[0].createdBy).toEqual(expect.any(String));

    // An API key with manage_workflows may rotate too; rotating an unsigned trigger signs it.
    const open = await send('POST', `/api/v1/workflows/${wf.id}/webhooks/${wf.key}-open/rotate-secret`, { key: manager });
    expect(open.statusCode).toBe(201);
    expect(open.json().version).toBe('1.0.2');
    expect((await deliver(`${wf.key}-open`, open.json().signingSecret)).statusCode).toBe(202);
    expect((await deliver(wf.key, rotated.signingSecret)).statusCode).toBe(202);

    await t.app.get(LogService).writer.flush();
    const audit = await t.runtime.database.db
      .selectFrom('logs')
      .select(['message', 'payload'])
      .where(sql`payload->>'target'`, '=', `workflow:${wf.id}`)
      .orderBy('id')
      .execute();
    expect(audit.map((r) => r.message)).toEqual(['workflow.created', 'workflow.secret_rotated', 'workflow.secret_rotated']);
    expect(audit[1]!.payload).toMatchObject({ key: wf.key, from: '1.0.0', to: '1.0.1' });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM logs WHERE payload::text LIKE ${`%${secretPart(rotated.signingSecret).slice(0, 20)}%`} OR payload::text LIKE ${`%${secretPart(SECRET)}%`}`.execute(t.runtime.database.db);
    expect(rows[0]!.n).toBe(0);
  });

  it('issue 9 #2: only admins and manage_workflows keys rotate (403); unknown workflow, key or archived workflow → 404', async () => {
    const wf = await signedWorkflow();
    const url = `/api/v1/workflows/${wf.id}/webhooks/${wf.key}/rotate-secret`;
    for (const who of [{ cookie: viewer }, { cookie: operator }, { key: reader }] as Who[]) {
      const res = await send('POST', url, who);
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('whsec_');
    }
    expect((await deliver(wf.key, SECRET)).statusCode).toBe(202);
    expect((await send('POST', `/api/v1/workflows/${wf.id}/webhooks/no-such-key/rotate-secret`)).statusCode).toBe(404);
    expect((await send('POST', `/api/v1/workflows/00000000-0000-4000-8000-000000000000/webhooks/${wf.key}/rotate-secret`)).statusCode).toBe(404);
    expect((await send('POST', `/api/v1/workflows/${wf.id}/webhooks/Not-A-Key/rotate-secret`)).statusCode).toBe(404);
    // A disabled workflow may rotate, and stays disabled.
    expect((await send('PATCH', `/api/v1/workflows/${wf.id}`, { key: manager }, { enabled: false })).statusCode).toBe(200);
    expect((await send('POST', url)).statusCode).toBe(201);
    expect((await send('GET', `/api/v1/workflows/${wf.id}`)).json()).toMatchObject({ enabled: false, version: '1.0.1' });
    expect((await send('DELETE', `/api/v1/workflows/${wf.id}`)).statusCode).toBe(204);
    expect((await send('POST', url)).statusCode).toBe(404);
  });
});
