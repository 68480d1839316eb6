import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { QueuesService } from '../src/queues/queues.service';
import { DlqReplaysRepository } from '../src/runs/dlq-replays.repository';
import { RunsService } from '../src/runs/runs.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { HttpTarget } from './support/providers/fake-provider';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

let infra: TestInfra;
let t: TestApp;
let target: HttpTarget;
let key: string;
let n = 0;

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
  t = await createTestApp(infra, { role: 'all', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' } });
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs', 'manage_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await t?.close();
  await target?.stop();
  await infra?.cleanup();
});

type Replay = { id: string; status: string; total: number | null; replayed: number; skipped: number; error: string | null; actorId: string | null; startedAt: string | null; finishedAt: string | null };

const call = (app: TestApp, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = { 'x-api-key': key }) =>
  app.app.inject({ method, url, payload: payload as object, headers });

/** A workflow whose second step (retries: 0) answers 404 once per run, then 200: each run dies once, and a replay succeeds. */
async function deadRuns(count: number, app = t): Promise<{ workflowId: string; runIds: string[]; path: string }> {
  const path = `/bulk-${++n}`;
  const { id: workflowId } = await createWorkflow(app, key, {
    name: `bulk ${n}`,
    steps: [
      { id: 'first', type: 'http.request', config: { url: `${target.base}${path}/first` } },
      { id: 'second', type: 'http.request', retries: 0, config: { url: `${target.base}${path}` } },
    ],
  });
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) runIds.push(await deadRun(workflowId, path));
  return { workflowId, runIds, path };
}

/** One more run of the workflow, dead (its second step answered 404). */
async function deadRun(workflowId: string, path: string): Promise<string> {
  target.script(path, { status: 404 });
  const res = await call(t, 'POST', `/api/v1/workflows/${workflowId}/trigger`, {});
  expect(res.statusCode, res.body).toBe(202);
  // One at a time, so the scripted 404 goes to this run.
  expect((await settledRun(t, { 'x-api-key': key }, res.json().runId)).status).toBe('dead');
  return res.json().runId;
}

/** Polls GET /dlq/replays/{id} (the Location) until the replay has ended. */
async function ended(location: string, app = t): Promise<Replay> {
  let replay = {} as Replay;
  await expect
    .poll(async () => {
      replay = (await call(app, 'GET', location)).json();
      return replay.status;
    }, { timeout: 30_000, interval: 50 })
    .toMatch(/^(finished|failed)$/);
  return replay;
}

describe('POST /api/v1/dlq/replays', () => {
  it('replays every dead run in the background: 202 and Location, progress until finished, the runs succeed, one audit row for the request', async () => {
    const { runIds } = await deadRuns(3);
    const res = await call(t, 'POST', '/api/v1/dlq/replays', { all: true });
    expect(res.statusCode, res.body).toBe(202);
    const accepted: Replay = res.json();
    expect(accepted).toMatchObject({ status: 'queued', total: null, replayed: 0, skipped: 0, error: null, startedAt: null, finishedAt: null });
    expect(res.headers.location).toBe(`/api/v1/dlq/replays/${accepted.id}`);

    const replay = await ended(res.headers.location as string);
    expect(replay).toMatchObject({ id: accepted.id, status: 'finished', total: 3, replayed: 3, skipped: 0, error: null });
    expect(replay.startedAt).not.toBeNull();
    expect(replay.finishedAt).not.toBeNull();
    for (const runId of runIds) {
      const run = await settledRun(t, { 'x-api-key': key }, runId);
      expect(run.status).toBe('succeeded');
      expect(run.steps.map((s) => [s.id, s.status])).toEqual([['first', 'succeeded'], ['second', 'succeeded']]);
    }
    expect((await call(t, 'GET', '/api/v1/dlq')).json().items).toEqual([]);

    await t.app.get(LogService).writer.flush();
    const db = t.runtime.database.db;
    const requested = await db.selectFrom('logs').select(['actor_id', 'payload']).where('message', '=', 'dlq.replay_requested').execute();
    expect(requested).toHaveLength(1);
    expect(requested[0]!.payload).toMatchObject({ audit: true, target: `dlq_replay:${accepted.id}`, selector: { all: true }, actorType: 'api_key' });
    expect(requested[0]!.actor_id).toBe(accepted.actorId);
    const perRun = await db.selectFrom('logs').select('run_id').where('message', '=', 'run.replayed').execute();
    expect(perRun.map((r) => r.run_id).sort()).toEqual([...runIds].sort());
  });

  it('runIds: a run that is not dead (or unknown) is skipped; workflowId takes only that workflow’s dead runs', async () => {
    const [mine, other] = [await deadRuns(2), await deadRuns(1)];
    const alive = mine.runIds[1]!;
    expect((await call(t, 'POST', `/api/v1/runs/${alive}/retry`)).statusCode).toBe(202);
    expect((await settledRun(t, { 'x-api-key': key }, alive)).status).toBe('succeeded');

    const unknown = '00000000-0000-4000-8000-000000000000';
    const byIds = await call(t, 'POST', '/api/v1/dlq/replays', { runIds: [mine.runIds[0], alive, unknown] });
    expect(byIds.statusCode, byIds.body).toBe(202);
    expect(await ended(byIds.headers.location as string)).toMatchObject({ status: 'finished', total: 3, replayed: 1, skipped: 2 });
    expect((await settledRun(t, { 'x-api-key': key }, mine.runIds[0]!)).status).toBe('succeeded');

    const again = await deadRuns(1);
    const byWorkflow = await call(t, 'POST', '/api/v1/dlq/replays', { workflowId: again.workflowId });
    expect(await ended(byWorkflow.headers.location as string)).toMatchObject({ status: 'finished', total: 1, replayed: 1, skipped: 0 });
    // The other workflow's dead run was not touched.
    expect((await call(t, 'GET', `/api/v1/runs/${other.runIds[0]}`)).json().status).toBe('dead');
  });

  it('refusals: a viewer may read but not start one (403); bad bodies 400; an unknown id 404, a malformed one 400', async () => {
    const viewer = await signIn(t, 'viewer@example.com', 'viewer');
    const operator = await signIn(t, 'operator@example.com', 'operator');
    const refused = await call(t, 'POST', '/api/v1/dlq/replays', { all: true }, sessionHeaders(viewer.cookie));
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const readKey = (await createKey(t, ['read_runs'])).key;
    expect((await call(t, 'POST', '/api/v1/dlq/replays', { all: true }, { 'x-api-key': readKey })).statusCode).toBe(403);

    for (const bad of [{}, { all: true, workflowId: '00000000-0000-4000-8000-000000000000' }, { runIds: [] }, { all: false }, { runIds: ['x'] }, { all: true, extra: 1 }]) {
      const res = await call(t, 'POST', '/api/v1/dlq/replays', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }

    const started = await call(t, 'POST', '/api/v1/dlq/replays', { all: true }, sessionHeaders(operator.cookie));
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json().actorId).toBe(operator.userId);
    const seen = await call(t, 'GET', started.headers.location as string, undefined, sessionHeaders(viewer.cookie));
    expect(seen.statusCode).toBe(200);
    expect(seen.json().id).toBe(started.json().id);
    await ended(started.headers.location as string);

    const unknown = await call(t, 'GET', '/api/v1/dlq/replays/00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ status: 404, detail: 'No DLQ replay has this id.' });
    expect((await call(t, 'GET', '/api/v1/dlq/replays/not-a-uuid')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/dlq/replays/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(401);
  });

  it('a long replay runs a chunk of 100 runs per activation of its job, so a worker shutting down waits for one chunk at most; no attempt is spent', async () => {
    const runIds = Array.from({ length: 250 }, () => randomUUID());
    const res = await call(t, 'POST', '/api/v1/dlq/replays', { runIds });
    expect(res.statusCode, res.body).toBe(202);
    expect(await ended(res.headers.location as string)).toMatchObject({ status: 'finished', total: 250, replayed: 0, skipped: 250 });
    const job = await t.app.get(QueuesService).get('maintenance').getJob(res.json().id);
    // Three activations, one attempt (BullMQ counts the one that completed): none failed.
    expect(job).toMatchObject({ attemptsStarted: 3, attemptsMade: 1 });
    expect(job!.failedReason).toBeUndefined();
  });

  it('a worker that died mid-replay leaves it to the next attempt, which replays only the runs not yet done; runs dead after the start are not swept in', async () => {
    // A gateway on its own queue prefix: no worker takes the replay's job until one starts below.
    const prefix = `${infra.redisPrefix}:late`;
    const gateway = await createTestApp({ ...infra, redisPrefix: prefix }, { role: 'gateway' });
    try {
      const { workflowId, runIds, path } = await deadRuns(3);
      const res = await call(gateway, 'POST', '/api/v1/dlq/replays', { workflowId });
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json();
      // What a worker killed after its first run left: the replay started, one run replayed and recorded.
      const repository = gateway.app.get(DlqReplaysRepository);
      await repository.begin(id);
      const [first] = await repository.pending(id, 1);
      expect(await gateway.app.get(RunsService).replayIfDead(first!, { actorId: null, actorType: 'test' })).toBe(true);
      await repository.record(id, first!, 'replayed');
      expect((await call(gateway, 'GET', `/api/v1/dlq/replays/${id}`)).json()).toMatchObject({ status: 'running', total: 3, replayed: 1, skipped: 0 });
      const diedLater = await deadRun(workflowId, path);

      const worker = await createTestApp({ ...infra, redisPrefix: prefix }, { role: 'worker', env: { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1' } });
      try {
        expect(await ended(`/api/v1/dlq/replays/${id}`, gateway)).toMatchObject({ status: 'finished', total: 3, replayed: 3, skipped: 0 });
        for (const runId of runIds) expect((await settledRun(gateway, { 'x-api-key': key }, runId)).status).toBe('succeeded');
        expect((await call(gateway, 'GET', `/api/v1/runs/${diedLater}`)).json().status).toBe('dead');
        // Each run was replayed once.
        await Promise.all([gateway, worker].map((app) => app.app.get(LogService).writer.flush()));
        for (const runId of runIds) {
          const replays = await t.runtime.database.db.selectFrom('logs').select('id').where('run_id', '=', runId).where('message', '=', 'run.replayed').execute();
          expect(replays, runId).toHaveLength(1);
        }
      } finally {
        await worker.close();
      }
    } finally {
      await gateway.close();
    }
  });
});

describe('POST /api/v1/dlq/replay is unchanged', () => {
  it('still answers {replayed} at once', async () => {
    const { runIds } = await deadRuns(1);
    const res = await call(t, 'POST', '/api/v1/dlq/replay', { runIds });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ replayed: 1 });
  });
});
