import { readFileSync } from 'node:fs';
import type { WorkflowDefinitionInput, WorkflowStep } from '@visapi/contracts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { runJob } from '../src/queues/job-catalog';
import { QueuesService } from '../src/queues/queues.service';
import { RunReconciler } from '../src/runs/reconciler';
import { RunsRepository } from '../src/runs/runs.repository';
import { createDatabase } from '../src/platform/db/database';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { runCli } from './support/processes';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let t: TestApp;
let gatewayOnly: TestApp;
let target: HttpTarget;
let key: string;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  const env = { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' };
  t = await createTestApp(infra, { role: 'all', env });
  gatewayOnly = await createTestApp({ ...infra, redisPrefix: `${infra.redisPrefix}:gw` }, { role: 'gateway', env });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'read_workflows', 'trigger', 'read_runs', 'manage_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await Promise.all([t?.close(), gatewayOnly?.close()]);
  await target?.stop();
  await infra?.cleanup();
});

const call = (app: TestApp, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  app.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });

const newWorkflow = async (steps: WorkflowStep[], extra: Partial<WorkflowDefinitionInput> = {}, app = t) => (await createWorkflow(app, key, { steps, ...extra })).id;

async function trigger(workflowId: string, input: unknown = {}, app = t) {
  const res = await call(app, 'POST', `/api/v1/workflows/${workflowId}/trigger`, input);
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

const settled = (runId: string, statuses?: string[]) => settledRun(t, { 'x-api-key': key }, runId, statuses);

describe('a manual run, end to end', () => {
  it('posts to a local server, waits, and records every step; input encrypted at rest, redacted in the API', async () => {
    const id = await newWorkflow([
      { id: 'call', type: 'http.request', config: { method: 'POST', url: `${target.base}/hook`, body: { app: '{{ input.applicationId }}', run: '{{ run.id }}' } } },
      { id: 'pause', type: 'delay', config: { ms: 50 }, if: '{{ steps.call.status }}' },
    ]);
    const accepted = await trigger(id, { applicationId: 'A-100', applicant: { email: 'dana@example.com' } });
    expect(accepted).toMatchObject({ workflowId: id, status: 'queued', statusUrl: `http://localhost:3000/api/v1/runs/${accepted.runId}` });

    const run = await settled(accepted.runId);
    expect(run).toMatchObject({ status: 'succeeded', workflowVersion: '1.0.0', trigger: { type: 'manual' }, attempts: 1, error: null });
    expect(run.input).toEqual({ applicationId: 'A-100', applicant: { email: 'd***@example.com' } });
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([['call', 'succeeded', 1], ['pause', 'succeeded', 1]]);
    expect(run.steps[0]!.output).toMatchObject({ status: 200, body: { ok: true } });
    expect(target.to('/hook').map((r) => r.body)).toEqual([{ app: 'A-100', run: accepted.runId }]);

    const { rows } = await sql<{ input_encrypted: Buffer }>`SELECT input_encrypted FROM runs WHERE id = ${accepted.runId}`.execute(t.runtime.database.db);
    expect(rows[0]!.input_encrypted.toString('latin1')).not.toContain('dana@example.com');
    expect(t.runtime.cipher.decryptJson(rows[0]!.input_encrypted)).toMatchObject({ applicant: { email: 'dana@example.com' } });

    await t.app.get(LogService).writer.flush();
    const logs = await t.runtime.database.db.selectFrom('logs').select('message').where('run_id', '=', accepted.runId).orderBy('id').execute();
    expect(logs.map((l) => l.message)).toEqual(['run queued (manual)', 'run started', 'step call succeeded', 'step pause succeeded', 'run succeeded']);
  });

  it('a transient failure is retried with backoff; the earlier step is not repeated', async () => {
    target.script('/flaky', { status: 503 }, { status: 200, body: { fixed: true } });
    const id = await newWorkflow([
      { id: 'first', type: 'http.request', config: { url: `${target.base}/once` } },
      { id: 'flaky', type: 'http.request', retries: 2, config: { url: `${target.base}/flaky` } },
    ]);
    const { runId } = await trigger(id);
    const run = await settled(runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.attempts])).toEqual([['first', 1], ['flaky', 2]]);
    expect(target.to('/once')).toHaveLength(1);
    expect(target.to('/flaky')).toHaveLength(2);
  });

  it('a permanent failure ends the run dead at once, naming the step and the error', async () => {
    target.script('/gone', { status: 404 });
    const id = await newWorkflow([
      { id: 'gone', type: 'http.request', retries: 5, config: { url: `${target.base}/gone` } },
      { id: 'never', type: 'delay', config: { ms: 1 } },
    ]);
    const run = await settled((await trigger(id)).runId);
    expect(run).toMatchObject({ status: 'dead', error: { class: 'permanent', stepId: 'gone' } });
    expect(String((run.error as { message: string }).message)).toContain('answered 404');
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([['gone', 'failed', 1]]);
    expect(target.to('/gone')).toHaveLength(1);
  });

  it('retries used up: dead after retries + 1 attempts', async () => {
    target.script('/down', { status: 500 }, { status: 500 });
    const id = await newWorkflow([{ id: 'down', type: 'http.request', retries: 1, config: { url: `${target.base}/down` } }]);
    const run = await settled((await trigger(id)).runId);
    expect(run).toMatchObject({ status: 'dead', error: { class: 'transient', stepId: 'down' } });
    expect(target.to('/down')).toHaveLength(2);
  });

  it('forEach sends one request per item, and a retry re-sends only the failed item', async () => {
    target.script('/item/b', { status: 503 });
    const id = await newWorkflow([
      { id: 'each', type: 'http.request', forEach: 'input.applicants', retries: 2, config: { method: 'POST', url: `${target.base}/item/{{ item.id }}`, body: { i: '{{ index }}' } } },
    ]);
    const run = await settled((await trigger(id, { applicants: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] })).runId);
    expect(run.status).toBe('succeeded');
    expect(['/item/a', '/item/b', '/item/c'].map((p) => target.to(p).length)).toEqual([1, 2, 1]);
    expect((run.steps[0]!.output as unknown[]).length).toBe(3);
  });

  it('a template error is permanent', async () => {
    const id = await newWorkflow([{ id: 'bad', type: 'delay', config: { ms: '{{ input.missing }}' } }]);
    const run = await settled((await trigger(id)).runId);
    expect(run).toMatchObject({ status: 'dead', error: { class: 'permanent', stepId: 'bad' } });
  });
});

describe('step outputs and errors: redacted in the API and at rest, raw for the steps after (issue 9 #4)', () => {
  const RAW = ['session=abc', 'dana.levi@example.com', '+972501234567', '+972 50 123 4567'];
  const profile = { email: 'dana.levi@example.com', phone: '+972501234567', note: 'call +972 50 123 4567', id: 'P-1' };
  const db = () => t.runtime.database.db;

  /** Every plain (unencrypted) column a run's outputs and errors are kept in, as text. */
  async function plainColumns(runId: string): Promise<string> {
    const runs = await sql<{ text: string }>`SELECT concat_ws(' ', error::text, input_redacted::text) AS text FROM runs WHERE id = ${runId}`.execute(db());
    const steps = await sql<{ text: string }>`SELECT concat_ws(' ', output::text, error::text, items::text) AS text FROM run_steps WHERE run_id = ${runId}`.execute(db());
    return [...runs.rows, ...steps.rows].map((r) => r.text).join('\n');
  }

  /** first: GET a profile (cookie, e-mail, phone); second: POST to a URL and body templated from it, refused once (404, the address echoed). */
  async function profileRun(path: string) {
    target.script(`${path}/profile`, { status: 200, headers: { 'set-cookie': 'session=abc; HttpOnly', 'x-request-id': 'req-1' }, body: profile });
    target.script(`${path}/notify/${profile.email}`, { status: 404 });
    const id = await newWorkflow([
      { id: 'first', type: 'http.request', config: { url: `${target.base}${path}/profile` } },
      {
        id: 'second', type: 'http.request', retries: 0,
        config: { method: 'POST', url: `${target.base}${path}/notify/{{ steps.first.body.email }}`, body: { email: '{{ steps.first.body.email }}', phone: '{{ steps.first.body.phone }}' } },
      },
    ]);
    const { runId } = await trigger(id);
    const dead = await settled(runId);
    expect(dead.status).toBe('dead');
    return { runId, dead, notify: () => target.to(`${path}/notify/${profile.email}`).map((r) => r.body) };
  }

  it('issue 9 #4: an http.request response (set-cookie, e-mail, phone) and an error echoing an address are masked in the API and the plain columns; the next step gets the raw values, also after a retry', async () => {
    const { runId, dead, notify } = await profileRun('/i4');
    expect(dead.steps[0]!.output).toMatchObject({
      status: 200,
      headers: { 'set-cookie': '[redacted]', 'x-request-id': 'req-1' },
      body: { email: 'd***@example.com', phone: '+972****4567', note: 'call +972****4567', id: 'P-1' },
    });
    expect(dead.error).toMatchObject({ class: 'permanent', stepId: 'second', message: expect.stringContaining('/notify/d***@example.com answered 404') });
    expect((dead.steps[1]!.error as { message: string }).message).toContain('/notify/d***@example.com answered 404');
    const dlq = (await call(t, 'GET', '/api/v1/dlq?limit=200')).json().items.find((r: { id: string }) => r.id === runId);
    expect(dlq.error.message).toContain('d***@example.com');
    for (const raw of RAW) expect(JSON.stringify(dead) + JSON.stringify(dlq), raw).not.toContain(raw);
    for (const raw of RAW) expect(await plainColumns(runId), raw).not.toContain(raw);

    // The raw output is kept sealed, for the steps after this one.
    const sealed = await db().selectFrom('run_steps').select('output_encrypted').where('run_id', '=', runId).where('step_id', '=', 'first').executeTakeFirstOrThrow();
    expect(sealed.output_encrypted!.toString('latin1')).not.toContain(profile.email);
    expect(t.runtime.cipher.decryptJson(sealed.output_encrypted!)).toMatchObject({ headers: { 'set-cookie': 'session=abc; HttpOnly' }, body: profile });

    expect((await call(t, 'POST', `/api/v1/runs/${runId}/retry`)).statusCode).toBe(202);
    expect((await settled(runId)).status).toBe('succeeded');
    expect(target.to('/i4/profile')).toHaveLength(1); // resumed: the first step is not repeated
    expect(notify()).toEqual([{ email: profile.email, phone: profile.phone }, { email: profile.email, phone: profile.phone }]);
    for (const raw of RAW) expect(await plainColumns(runId), raw).not.toContain(raw);
  });

  it('issue 9 #4: rows written before outputs were sealed (raw output, no sealed copy) are masked on read and still resume with their raw outputs', async () => {
    const { runId, notify } = await profileRun('/i4-legacy');
    // As the previous release wrote them: the raw output and errors in the plain columns, nothing sealed.
    const rawOutput = { status: 200, headers: { 'set-cookie': 'session=abc; HttpOnly' }, body: profile };
    const rawError = { class: 'permanent', message: `http.request: POST ${target.base}/i4-legacy/notify/${profile.email} answered 404`, stepId: 'second' };
    await sql`UPDATE run_steps SET output = ${JSON.stringify(rawOutput)}::jsonb, output_encrypted = NULL WHERE run_id = ${runId} AND step_id = 'first'`.execute(db());
    await sql`UPDATE run_steps SET error = ${JSON.stringify(rawError)}::jsonb WHERE run_id = ${runId} AND step_id = 'second'`.execute(db());
    await sql`UPDATE runs SET error = ${JSON.stringify(rawError)}::jsonb WHERE id = ${runId}`.execute(db());

    const shown = (await call(t, 'GET', `/api/v1/runs/${runId}`)).json();
    expect(shown.steps[0].output).toMatchObject({ headers: { 'set-cookie': '[redacted]' }, body: { email: 'd***@example.com', phone: '+972****4567' } });
    expect(shown.error.message).toContain('d***@example.com');
    expect(shown.steps[1].error.message).toContain('d***@example.com');
    const listed = (await call(t, 'GET', `/api/v1/runs?status=dead&limit=200`)).json().items.find((r: { id: string }) => r.id === runId);
    for (const raw of RAW) expect(JSON.stringify(shown) + JSON.stringify(listed), raw).not.toContain(raw);

    expect((await call(t, 'POST', `/api/v1/runs/${runId}/retry`)).statusCode).toBe(202);
    expect((await settled(runId)).status).toBe('succeeded');
    expect(notify().at(-1)).toEqual({ email: profile.email, phone: profile.phone });
  });

  it('issue 9 #4: forEach items are stored redacted, their raw outputs sealed; a retry reuses them raw', async () => {
    target.script('/i4-each/x1', { status: 200, body: { email: 'ann.cohen@example.com' } });
    target.script('/i4-each/x2', { status: 404 });
    const id = await newWorkflow([
      { id: 'each', type: 'http.request', forEach: 'input.ids', retries: 0, config: { url: `${target.base}/i4-each/{{ item }}` } },
      { id: 'after', type: 'http.request', config: { method: 'POST', url: `${target.base}/i4-each/after`, body: { first: '{{ steps.each[0].body.email }}' } } },
    ]);
    const { runId } = await trigger(id, { ids: ['x1', 'x2'] });
    expect((await settled(runId)).status).toBe('dead');
    expect(await plainColumns(runId)).not.toContain('ann.cohen@example.com');
    expect((await call(t, 'POST', `/api/v1/runs/${runId}/retry`)).statusCode).toBe(202);
    const run = await settled(runId);
    expect(run.status).toBe('succeeded');
    expect(target.to('/i4-each/x1')).toHaveLength(1);
    expect(target.to('/i4-each/after').map((r) => r.body)).toEqual([{ first: 'ann.cohen@example.com' }]);
    expect((run.steps[0]!.output as Array<{ body: unknown }>)[0]!.body).toEqual({ email: 'a***@example.com' });
    expect(await plainColumns(runId)).not.toContain('ann.cohen@example.com');
  });
});

describe('what a run stores (issue 10 #9)', () => {
  it('issue 10 #9: a succeeded forEach step stores its output once (no items copy); a failed one keeps its items for the retry', async () => {
    target.script('/i10-each/b', { status: 503 });
    const id = await newWorkflow([{ id: 'each', type: 'http.request', forEach: 'input.ids', retries: 1, config: { url: `${target.base}/i10-each/{{ item }}` } }]);
    const { runId } = await trigger(id, { ids: ['a', 'b'] });
    const row = () => t.runtime.database.db.selectFrom('run_steps').select(['status', 'output', 'items', 'output_encrypted', 'items_encrypted']).where('run_id', '=', runId).executeTakeFirstOrThrow();
    await settled(runId, ['failed', 'succeeded']);
    const run = await settled(runId);
    expect(run.status).toBe('succeeded');
    const stored = await row();
    expect(stored).toMatchObject({ status: 'succeeded', items: null, items_encrypted: null });
    expect((stored.output as unknown[]).length).toBe(2);
    expect((t.runtime.cipher.decryptJson(stored.output_encrypted!) as unknown[]).length).toBe(2);
    expect(target.to('/i10-each/a')).toHaveLength(1);
  });
});

describe('credentials in http.request outputs (issue 9 review)', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjE2In0.eyJzdWIiOiJhcHAtNDIiLCJleHAiOjE3OTk5OTk5OTl9.Tm90QVJlYWxTaWduYXR1cmVCdXRMb25nRW5vdWdo';
  const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
  const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;
  const token = { access_token: 'ya29.A0ARrdaM-at-4711', refresh_token: '1//0gRt-4712', id_token: JWT, token_type: 'Bearer', expires_in: 3599 };
  const location = 'https://app.example.com/cb?access_token=ya29.A0ARrdaM-at-4711&code=4/0AX4XfWh-4713&state=s-1';

  it('issue 9 review: an OAuth token answer, a location carrying tokens and a text body holding a PEM key are masked in GET /runs/{id}; the step after gets them raw', async () => {
    target.script('/ir/token', { status: 200, headers: { location }, body: token });
    target.script('/ir/key', { status: 200, headers: { 'content-type': 'text/plain' }, body: `access_token=at-form-4714&refresh_token=rt-form-4715\n${PEM}` });
    const id = await newWorkflow([
      { id: 'token', type: 'http.request', config: { method: 'POST', url: `${target.base}/ir/token` } },
      { id: 'key', type: 'http.request', config: { url: `${target.base}/ir/key` } },
      {
        id: 'use', type: 'http.request',
        config: { method: 'POST', url: `${target.base}/ir/use`, body: { at: '{{ steps.token.body.access_token }}', idt: '{{ steps.token.body.id_token }}', loc: '{{ steps.token.headers.location }}', text: '{{ steps.key.body }}' } },
      },
    ]);
    const { runId } = await trigger(id);
    expect((await settled(runId)).status).toBe('succeeded');

    const shown = (await call(t, 'GET', `/api/v1/runs/${runId}`)).json();
    const raw = ['ya29.A0ARrdaM-at-4711', '1//0gRt-4712', JWT, JWT.split('.')[2]!, '4/0AX4XfWh-4713', 'at-form-4714', 'rt-form-4715', PEM_BODY];
    for (const value of raw) expect(JSON.stringify(shown), value).not.toContain(value);
    expect(shown.steps[0].output).toMatchObject({
      headers: { location: 'https://app.example.com/cb?access_token=[redacted]&code=[redacted]&state=s-1' },
      body: { access_token: '[redacted]', refresh_token: '[redacted]', id_token: '[redacted]', token_type: 'Bearer', expires_in: 3599 },
    });
    expect(shown.steps[1].output.body).toContain('-----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY-----');

    const [sent] = target.to('/ir/use').map((r) => r.body);
    expect(sent).toEqual({ at: token.access_token, idt: JWT, loc: location, text: `access_token=at-form-4714&refresh_token=rt-form-4715\n${PEM}` });
  });
});

describe('templates in step configs (issue 9 #5)', () => {
  it('issue 9 #5: a step config that renders a server file ends the run dead with a permanent error, without the file', async () => {
    const pkg = readFileSync('package.json', 'utf8');
    const id = await newWorkflow([{ id: 'peek', type: 'http.request', config: { method: 'POST', url: `${target.base}/peek`, body: { file: "{% render 'package.json' %}" } } }]);
    const run = await settled((await trigger(id)).runId);
    expect(run).toMatchObject({ status: 'dead', error: { class: 'permanent', stepId: 'peek' } });
    expect(String((run.error as { message: string }).message)).toMatch(/partials .*not available in step configs/);
    expect(JSON.stringify(run)).not.toContain(pkg.slice(0, 30));
    expect(target.to('/peek')).toHaveLength(0);
  });
});

describe('POST /api/v1/workflows/{id}/trigger refusals', () => {
  it('422 with the errors when the payload fails inputSchema; nothing is queued', async () => {
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }], {
      inputSchema: { type: 'object', required: ['applicationId'], properties: { applicationId: { type: 'string' } } },
    });
    const res = await call(t, 'POST', `/api/v1/workflows/${id}/trigger`, { applicationId: 7 });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: '$.applicationId', message: 'must be string' }]);
    const missing = await call(t, 'POST', `/api/v1/workflows/${id}/trigger`, {});
    expect(missing.json().errors).toEqual([{ path: '$.applicationId', message: 'is required' }]);
    const runs = await call(t, 'GET', `/api/v1/runs?workflowId=${id}`);
    expect(runs.json().items).toEqual([]);
  });

  it('404 for an unknown or archived workflow, 409 for a disabled one, 400 for a non-object body', async () => {
    expect((await call(t, 'POST', '/api/v1/workflows/00000000-0000-4000-8000-000000000000/trigger', {})).statusCode).toBe(404);
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }]);
    await call(t, 'PATCH', `/api/v1/workflows/${id}`, { enabled: false });
    expect((await call(t, 'POST', `/api/v1/workflows/${id}/trigger`, {})).statusCode).toBe(409);
    await call(t, 'PATCH', `/api/v1/workflows/${id}`, { enabled: true });
    const array = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${id}/trigger`, payload: '[1]', headers: { 'x-api-key': key, 'content-type': 'application/json' } });
    expect(array.statusCode).toBe(400);
  });

  it('records the operator who triggered it; viewers may not', async () => {
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }]);
    const operator = await signIn(t, 'op@example.com', 'operator');
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${id}/trigger`, payload: {}, headers: sessionHeaders(operator.cookie) });
    expect(res.statusCode).toBe(202);
    const run = await settled(res.json().runId);
    expect(run.trigger).toEqual({ type: 'manual', actorId: operator.userId });
    const viewer = await signIn(t, 'viewer@example.com');
    const refused = await t.app.inject({ method: 'POST', url: `/api/v1/workflows/${id}/trigger`, payload: {}, headers: sessionHeaders(viewer.cookie) });
    expect(refused.statusCode).toBe(403);
  });
});

describe('GET /api/v1/runs', () => {
  it('shows a run as queued from the moment of the 202, before any worker has seen it', async () => {
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }], {}, gatewayOnly);
    const { runId } = await trigger(id, { secretEmail: 'x@example.com' }, gatewayOnly);
    const res = await call(gatewayOnly, 'GET', `/api/v1/runs/${runId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: runId, status: 'queued', steps: [], input: { secretEmail: 'x***@example.com' } });
  });

  it('lists with filters and pagination; 404 and 400 for bad ids', async () => {
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }]);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await trigger(id)).runId);
    for (const runId of ids) await settled(runId);
    const page = await call(t, 'GET', `/api/v1/runs?workflowId=${id}&status=succeeded&limit=2`);
    expect(page.json().items).toHaveLength(2);
    const rest = await call(t, 'GET', `/api/v1/runs?workflowId=${id}&limit=2&cursor=${page.json().nextCursor}`);
    expect(rest.json().items).toHaveLength(1);
    expect([...page.json().items, ...rest.json().items].map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    expect((await call(t, 'GET', '/api/v1/runs/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await call(t, 'GET', '/api/v1/runs/nope')).statusCode).toBe(400);
    expect((await call(t, 'GET', '/api/v1/runs?status=sleeping')).statusCode).toBe(400);
  });
});

describe('retry, cancel and the dead-letter queue', () => {
  async function deadRun(path: string) {
    target.script(path, { status: 404 });
    const id = await newWorkflow([
      { id: 'first', type: 'http.request', config: { url: `${target.base}${path}/first` } },
      { id: 'second', type: 'http.request', retries: 0, config: { url: `${target.base}${path}` } },
    ]);
    const { runId } = await trigger(id);
    expect((await settled(runId)).status).toBe('dead');
    return { id, runId };
  }

  it('a retried dead run resumes at the failed step and does not repeat the one that succeeded', async () => {
    const { runId } = await deadRun('/dlq-a');
    const res = await call(t, 'POST', `/api/v1/runs/${runId}/retry`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ runId, status: 'queued' });
    const run = await settled(runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([['first', 'succeeded', 1], ['second', 'succeeded', 1]]);
    expect(target.to('/dlq-a/first')).toHaveLength(1);
    expect(target.to('/dlq-a')).toHaveLength(2);
  });

  it('refuses to retry a succeeded run (409), an unknown one (404), and a viewer (403)', async () => {
    const id = await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }]);
    const { runId } = await trigger(id);
    await settled(runId);
    expect((await call(t, 'POST', `/api/v1/runs/${runId}/retry`)).statusCode).toBe(409);
    expect((await call(t, 'POST', '/api/v1/runs/00000000-0000-4000-8000-000000000000/retry')).statusCode).toBe(404);
    const viewer = await signIn(t, 'v2@example.com');
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/retry`, headers: sessionHeaders(viewer.cookie) })).statusCode).toBe(403);
  });

  it('cancels a run waiting for its next retry: no further attempt is made', async () => {
    target.script('/cancel-me', { status: 503 }, { status: 503 }, { status: 503 });
    const id = await newWorkflow([{ id: 'flaky', type: 'http.request', retries: 5, config: { url: `${target.base}/cancel-me` } }]);
    const { runId } = await trigger(id);
    await settled(runId, ['failed']);
    const res = await call(t, 'POST', `/api/v1/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    const attempts = target.to('/cancel-me').length;
    await new Promise((r) => setTimeout(r, 1_500)); // past the first backoff (0.5–1 s)
    expect(target.to('/cancel-me')).toHaveLength(attempts);
    expect((await call(t, 'POST', `/api/v1/runs/${runId}/cancel`)).statusCode).toBe(409);
  });

  it('cancelling a running run aborts the step in flight', async () => {
    target.script('/hangs', { status: 200, hang: true });
    const id = await newWorkflow([
      { id: 'stuck', type: 'http.request', timeout: 120_000, config: { url: `${target.base}/hangs` } },
      { id: 'after', type: 'http.request', config: { url: `${target.base}/after-cancel` } },
    ]);
    const { runId } = await trigger(id);
    await expect.poll(() => target.to('/hangs').length, { timeout: 10_000 }).toBe(1);
    expect((await call(t, 'POST', `/api/v1/runs/${runId}/cancel`)).statusCode).toBe(200);
    // The API marks it cancelled at once; the worker then aborts the request and records the step.
    await expect
      .poll(async () => {
        const run = (await call(t, 'GET', `/api/v1/runs/${runId}`)).json();
        return [run.status, run.steps.map((s: { id: string; status: string; error: { class?: string } | null }) => [s.id, s.status, s.error?.class])];
      }, { timeout: 10_000, interval: 50 })
      .toEqual(['cancelled', [['stuck', 'failed', 'cancelled']]]);
    expect(target.to('/after-cancel')).toHaveLength(0);
  });

  it('GET /dlq lists dead runs; replay takes run ids, a workflow, or all — exactly one', async () => {
    const a = await deadRun('/dlq-b');
    const b = await deadRun('/dlq-c');
    const dlq = (await call(t, 'GET', '/api/v1/dlq?limit=200')).json();
    expect(dlq.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([a.runId, b.runId]));
    expect(dlq.items.every((r: { status: string }) => r.status === 'dead')).toBe(true);

    for (const bad of [{}, { all: true, workflowId: a.id }, { runIds: [] }, { all: false }, { runIds: ['x'] }]) {
      expect((await call(t, 'POST', '/api/v1/dlq/replay', bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    const byId = await call(t, 'POST', '/api/v1/dlq/replay', { runIds: [a.runId] });
    expect(byId.json()).toEqual({ replayed: 1 });
    expect((await settled(a.runId)).status).toBe('succeeded');
    const byWorkflow = await call(t, 'POST', '/api/v1/dlq/replay', { workflowId: b.id });
    expect(byWorkflow.json()).toEqual({ replayed: 1 });
    expect((await settled(b.runId)).status).toBe('succeeded');
    expect((await call(t, 'POST', '/api/v1/dlq/replay', { runIds: [a.runId] })).json()).toEqual({ replayed: 0 });
  });

  it('visapi dlq:list and dlq:replay (with --dry-run) work on the same runs, with audit rows', async () => {
    const env = { DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix };
    const dead = await deadRun('/dlq-d');
    const listed = await runCli(['dlq:list', '--json'], env);
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout).map((r: { id: string }) => r.id)).toContain(dead.runId);
    const dry = await runCli(['dlq:replay', '--run', dead.runId, '--dry-run', '--json'], env);
    expect(JSON.parse(dry.stdout)).toEqual({ replayed: 1, runIds: [dead.runId], dryRun: true });
    expect((await call(t, 'GET', `/api/v1/runs/${dead.runId}`)).json().status).toBe('dead');
    const real = await runCli(['dlq:replay', '--run', dead.runId], env);
    expect(real.stdout).toBe('replayed 1 run(s)\n');
    expect((await settled(dead.runId)).status).toBe('succeeded');
    const refused = await runCli(['dlq:replay', '--all', '--workflow', dead.id], env);
    expect(refused).toMatchObject({ code: 1 });
    await t.app.get(LogService).writer.flush();
    const audit = await t.runtime.database.db.selectFrom('logs').select(['message', 'payload']).where('run_id', '=', dead.runId).where('message', '=', 'run.replayed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.payload).toMatchObject({ audit: true, actorType: 'cli' });
  });
});

describe('GET /api/v1/queues', () => {
  it('counts jobs per queue and state, and the workers online', async () => {
    await settled((await trigger(await newWorkflow([{ id: 'w', type: 'delay', config: { ms: 1 } }]))).runId);
    const queuesKey = await createKey(t, ['read_queues']);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/queues', headers: { 'x-api-key': queuesKey.key } });
    expect(res.statusCode).toBe(200);
    const byName = Object.fromEntries(res.json().queues.map((q: { name: string }) => [q.name, q]));
    expect(Object.keys(byName)).toEqual(['critical', 'default', 'bulk', 'pdf', 'maintenance']);
    expect(byName.default.workers).toBeGreaterThanOrEqual(1);
    expect(byName.default.counts.completed).toBeGreaterThan(0);
    expect(Object.keys(byName.default.counts).sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting']);
    const other = await createKey(t, ['read_runs']);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/queues', headers: { 'x-api-key': other.key } })).statusCode).toBe(403);
  });
});

describe('reconciliation sweep', () => {
  it('re-queues a stale queued run that no queue holds, and leaves fresh ones alone', async () => {
    const id = await newWorkflow([{ id: 'ping', type: 'http.request', config: { url: `${target.base}/swept` } }]);
    const lost = (await trigger(id)).runId;
    await settled(lost);
    const fresh = (await trigger(id)).runId;
    await settled(fresh);
    const db = t.runtime.database.db;
    // As if the worker had recorded the run and its job had then vanished from Redis.
    await db.updateTable('runs').set({ status: 'queued', finished_at: null, job_id: 'vanished', updated_at: new Date(Date.now() - 3_600_000) }).where('id', '=', lost).execute();
    await db.deleteFrom('run_steps').where('run_id', '=', lost).execute();
    await db.updateTable('runs').set({ status: 'running', job_id: 'vanished-too' }).where('id', '=', fresh).execute();

    const requeued = await t.app.get(RunReconciler).sweep();
    expect(requeued).toEqual([lost]);
    expect((await settled(lost)).status).toBe('succeeded');
    expect(target.to('/swept')).toHaveLength(3);
    expect((await t.app.get(RunReconciler).sweep())).toEqual([]);
    await db.updateTable('runs').set({ status: 'succeeded' }).where('id', '=', fresh).execute();
  });
});

describe('job versions (issue 10 #3)', () => {
  const queue = () => t.app.get(QueuesService).get('default');

  it('issue 10 #3: a version 1 run job, queued as the previous release wrote it, is upgraded and run by the worker', async () => {
    const id = await newWorkflow([{ id: 'call', type: 'http.request', config: { method: 'POST', url: `${target.base}/v1-job`, body: { app: '{{ input.applicationId }}' } } }]);
    const entry = (await t.app.get(WorkflowCatalog).get(id))!;
    const runId = crypto.randomUUID();
    const v1 = {
      v: 1, runId, workflowId: id, versionId: entry.versionId, version: '1.0.0', trigger: { type: 'manual' }, requestId: 'req-v1',
      input: t.runtime.cipher.encryptJson({ applicationId: 'A-1', email: 'dana@example.com' }).toString('base64'), triggeredAt: new Date().toISOString(),
    };
    // Straight into Redis through BullMQ, as a job queued before this release (not through RunProducer).
    await queue().add('run', v1, { jobId: runId, attempts: 30, backoff: { type: 'exponential', delay: 1_000 } });
    const run = await settled(runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: { type: 'manual' }, requestId: 'req-v1', input: { applicationId: 'A-1', email: 'd***@example.com' } });
    expect(target.to('/v1-job').map((r) => r.body)).toEqual([{ app: 'A-1' }]);
  });

  it('issue 10 #3: a job of an unknown newer version fails naming the versions (left for a newer worker); a malformed one fails unrecoverably', async () => {
    const runId = crypto.randomUUID();
    await queue().add('run', { v: 3, runId }, { jobId: runId, attempts: 1 });
    const broken = crypto.randomUUID();
    await queue().add('run', { v: 1, runId: broken }, { jobId: broken, attempts: 5, backoff: { type: 'fixed', delay: 60_000 } });
    await expect.poll(async () => (await queue().getJob(runId))?.failedReason, { timeout: 10_000 }).toBe(
      `run job has schema version 3; this worker knows versions 1 to ${runJob.version}: a worker of a newer release must take it`,
    );
    // Unrecoverable: failed at once, not retried in a minute.
    await expect.poll(async () => queue().getJob(broken).then((j) => j?.getState()), { timeout: 10_000 }).toBe('failed');
    expect((await queue().getJob(broken))!.failedReason).toMatch(/^run job of schema version 1 is malformed/);
    expect((await call(t, 'GET', `/api/v1/runs/${runId}`)).statusCode).toBe(404);
  });
});

describe('a migration under a running worker', () => {
  it('a column added to runs does not break the prepared run-loop statements of an open connection', async () => {
    const id = await newWorkflow([{ id: 'call', type: 'http.request', config: { method: 'POST', url: `${target.base}/migrating` } }]);
    const version = (await t.app.get(WorkflowCatalog).get(id))!;
    const single = createDatabase(infra.databaseUrl, 1); // one connection: the statement is prepared on it once
    const repository = new RunsRepository(single);
    const job = (runId: string) => ({ v: 1 as const, runId, workflowId: id, versionId: version.versionId, version: '1.0.0', trigger: { type: 'manual' as const }, requestId: null, input: '', triggeredAt: new Date().toISOString() });
    try {
      const delivery = (jobId: string) => ({ job: job(crypto.randomUUID()), queue: 'default', jobId, inputEncrypted: Buffer.alloc(1), inputRedacted: {}, firstStep: { id: 'call', type: 'http.request' } });
      const [first] = await repository.begin([delivery('j1')]);
      expect(first!.fresh).toBe(true);
      await sql`ALTER TABLE runs ADD COLUMN added_by_a_migration integer`.execute(t.runtime.database.db);
      const [second] = await repository.begin([delivery('j2')]);
      expect(second).toMatchObject({ fresh: true, status: 'running' });
      await repository.lastStepsSucceeded([{ runId: second!.id, stepId: 'call', result: { output: { ok: true } }, forEach: false }], true);
      expect((await repository.find(second!.id))?.status).toBe('succeeded');
    } finally {
      await single.close();
    }
  });
});

describe('grouped run-loop writes (issue 15: one statement and one commit for concurrent runs)', () => {
  it('begins several runs in one statement — rows in their order, a known run not fresh — and their last steps succeed in one', async () => {
    const id = await newWorkflow([{ id: 'call', type: 'http.request', config: { method: 'POST', url: `${target.base}/grouped` } }]);
    const version = (await t.app.get(WorkflowCatalog).get(id))!;
    const database = createDatabase(infra.databaseUrl, 2);
    const repository = new RunsRepository(database);
    const delivery = (runId: string, jobId = runId) => ({
      job: { runId, workflowId: id, versionId: version.versionId, version: '1.0.0', trigger: { type: 'manual' as const }, requestId: null, triggeredAt: new Date().toISOString() },
      queue: 'default', jobId, inputEncrypted: Buffer.from('sealed'), inputRedacted: { runId }, firstStep: { id: 'call', type: 'http.request' },
    });
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    try {
      const first = await repository.begin([delivery(a), delivery(b)]);
      expect(first.map((r) => [r.id, r.fresh, r.status, r.attempts])).toEqual([[a, true, 'running', 1], [b, true, 'running', 1]]);
      const second = await repository.begin([delivery(c), delivery(b, `${b}:retry`)]);
      expect(second.map((r) => [r.id, r.fresh, r.attempts])).toEqual([[c, true, 1], [b, false, 2]]);
      expect((await repository.steps(c)).map((s) => [s.step_id, s.status])).toEqual([['call', 'running']]);
      expect((await repository.find(c))!.input_redacted).toEqual({ runId: c });
      // The same run twice in one statement is refused whole: GroupedWrites then writes each alone.
      await expect(repository.begin([delivery(c), delivery(c)])).rejects.toThrow(/cannot affect row a second time/);

      const done = await repository.lastStepsSucceeded(
        [{ runId: b, stepId: 'call', result: { output: { n: 'b' } }, forEach: false }, { runId: a, stepId: 'call', result: { output: { n: 'a' } }, forEach: true }],
        true,
      );
      expect(done.map((r) => [r?.id, r?.status])).toEqual([[b, 'succeeded'], [a, 'succeeded']]);
      expect((await repository.steps(a))[0]).toMatchObject({ status: 'succeeded', output: { n: 'a' } });
      expect((await repository.find(c))!.status).toBe('running');
    } finally {
      await database.close();
    }
  });
});

