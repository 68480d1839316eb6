import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { DataCipher, dataKeyId } from '../src/platform/crypto/encryption';
import { RUN_QUEUES, runJob } from '../src/queues/job-catalog';
import { QueuesService } from '../src/queues/queues.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { adminQuery } from './support/databases';
import { runCli } from './support/processes';
import { HttpTarget } from './support/providers/fake-provider';
import { runbook } from './support/runbook';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

/** Keys with different ids (a previous key sharing the current key's id is refused at boot: encryption.test.ts). */
function threeKeys(): [Buffer, Buffer, Buffer] {
  for (;;) {
    const ks = [randomBytes(32), randomBytes(32), randomBytes(32)];
    if (new Set(ks.map(dataKeyId)).size === 3) return ks as [Buffer, Buffer, Buffer];
  }
}
/** OLDER: a key of an earlier rotation, forgotten in DATA_ENCRYPTION_PREVIOUS_KEYS. */
const [OLD, NEW, OLDER] = threeKeys();
const b64 = (k: Buffer) => k.toString('base64');
const hexId = (k: Buffer) => `0x${dataKeyId(k).toString(16).padStart(2, '0')}`;

let infra: TestInfra;
let target: HttpTarget;
let key = '';
let url = '';
let workflowId = '';
let deadRunId = '';
const finishedRunIds: string[] = [];
const queuedRunIds: string[] = [];
const apps: TestApp[] = [];

const cliEnv = (keys: { current: Buffer; previous?: Buffer[] }) => ({
  DATABASE_URL: infra.databaseUrl,
  REDIS_URL: infra.redisUrl,
  REDIS_PREFIX: infra.redisPrefix,
  DATA_ENCRYPTION_KEY: b64(keys.current),
  ...(keys.previous ? { DATA_ENCRYPTION_PREVIOUS_KEYS: keys.previous.map(b64).join(',') } : {}),
});
let walkKeys: { current: Buffer; previous?: Buffer[] } = { current: NEW, previous: [OLD] };
const book = runbook('rotating-secrets.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: key, ...cliEnv(walkKeys) }));

async function app(role: 'all' | 'gateway' | 'worker', keys: { current: Buffer; previous?: Buffer[] }): Promise<TestApp> {
  const env: Record<string, string> = { HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1', DATA_ENCRYPTION_KEY: b64(keys.current) };
  if (keys.previous) env.DATA_ENCRYPTION_PREVIOUS_KEYS = keys.previous.map(b64).join(',');
  const t = await createTestApp(infra, { role, env });
  apps.push(t);
  if (role !== 'worker') await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  return t;
}

async function close(t: TestApp) {
  await t.close();
  apps.splice(apps.indexOf(t), 1);
}

const trigger = (t: TestApp, input: unknown) => t.app.inject({ method: 'POST', url: `/api/v1/workflows/${workflowId}/trigger`, headers: { 'x-api-key': key }, payload: input as object });

/** Every sealed value in PostgreSQL and in the run jobs in Redis, as stored. */
async function sealedEverywhere(t: TestApp): Promise<Buffer[]> {
  const db = t.runtime.database.pool;
  const runs = await db.query<{ v: Buffer }>('SELECT input_encrypted AS v FROM runs WHERE input_encrypted IS NOT NULL');
  const steps = await db.query<{ v: Buffer }>('SELECT output_encrypted AS v FROM run_steps WHERE output_encrypted IS NOT NULL UNION ALL SELECT items_encrypted FROM run_steps WHERE items_encrypted IS NOT NULL');
  const jobs: Buffer[] = [];
  for (const name of RUN_QUEUES) {
    for (const job of await t.app.get(QueuesService).get(name).getJobs(['waiting', 'prioritized', 'delayed', 'failed', 'active'])) {
      if (job?.name === runJob.name) jobs.push(Buffer.from((job.data.sealedInput ?? job.data.input) as string, 'base64'));
    }
  }
  return [...runs.rows.map((r) => r.v), ...steps.rows.map((r) => r.v), ...jobs];
}

beforeAll(async () => {
  infra = await createTestInfra();
  target = await new HttpTarget().start();
});
afterAll(async () => {
  for (const t of [...apps]) await t.close();
  await target?.stop();
  await infra?.cleanup();
});

describe('DATA_ENCRYPTION_KEY rotation (docs/runbooks/rotating-secrets.md)', () => {
  it('data sealed under the old key: finished runs, a dead run, an input in the keyed layout, queued and delayed jobs', async () => {
    const t = await app('all', { current: OLD });
    key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs', 'manage_runs', 'read_logs'], { rateLimit: { burst: 100_000, perSecond: 10_000 } })).key;
    workflowId = (
      await createWorkflow(t, key, {
        steps: [
          { id: 'lookup', type: 'http.request', config: { url: `${target.base}/lookup` } },
          { id: 'deliver', type: 'http.request', retries: 0, config: { method: 'POST', url: `${target.base}/deliver` } },
        ],
      })
    ).id;
    const accepted = await Promise.all(Array.from({ length: 24 }, (_, i) => trigger(t, { applicant: `A-${i}`, passport: `P${i}` })));
    finishedRunIds.push(...accepted.map((r) => r.json().runId));
    for (const id of finishedRunIds) expect((await settledRun(t, { 'x-api-key': key }, id)).status).toBe('succeeded');
    target.script('/deliver', { status: 500 });
    deadRunId = (await trigger(t, { applicant: 'dead' })).json().runId;
    expect((await settledRun(t, { 'x-api-key': key }, deadRunId)).status).toBe('dead');
    await close(t);

    // Written without a previous key, everything is in the legacy layout (what the previous release reads). One input
    // in the keyed layout under the old key, as a process of an earlier rotation (OLD current, OLDER previous) wrote it.
    const keyedId = finishedRunIds[0]!;
    const { v } = (await adminQuery(infra.databaseUrl, `SELECT encode(input_encrypted, 'base64') AS v FROM runs WHERE id = '${keyedId}'`))[0]!;
    const keyed = new DataCipher(OLD, [OLDER]).encrypt(new DataCipher(OLD).decrypt(Buffer.from(v!, 'base64')));
    await adminQuery(infra.databaseUrl, `UPDATE runs SET input_encrypted = decode('${keyed.toString('base64')}', 'base64') WHERE id = '${keyedId}'`);

    // No worker: these wait in Redis, sealed under the old key.
    const gateway = await app('gateway', { current: OLD });
    for (let i = 0; i < 6; i++) queuedRunIds.push((await trigger(gateway, { applicant: `Q-${i}` })).json().runId);
    const queue = gateway.app.get(QueuesService).get('default');
    const waiting = (await queue.getJob(queuedRunIds[0]!))!;
    const delayedId = randomUUID();
    await queue.add(runJob.name, { ...waiting.data, runId: delayedId }, { jobId: delayedId, delay: 3_600_000 });
    const stored = await sealedEverywhere(gateway);
    expect(stored.filter((s) => s[0] === 1).length).toBe(stored.length - 1);
    expect(stored.filter((s) => s[0] === (0x80 | dataKeyId(OLD)))).toHaveLength(1);
    await close(gateway);
  }, 120_000);

  it('the runbook: generate a key, dry-run counts, rotate while a worker and the API read, check says nothing is left', async () => {
    const generated = await book.run('generate');
    expect(generated.code).toBe(0);
    expect(Buffer.from(generated.stdout.trim(), 'base64')).toHaveLength(32);

    const gateway = await app('gateway', { current: NEW, previous: [OLD] });
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(gateway.app.getHttpServer().address() as AddressInfo).port}`;

    const dryRun = await book.run('dry-run');
    expect(dryRun.stderr).toBe('');
    // 25 run inputs, 24 × 2 + 1 step outputs, 6 waiting + 1 delayed jobs.
    expect(dryRun.stdout).toBe(`key ${hexId(NEW)}: still under an older key: 25 run input(s), 49 step row(s), 7 queued/failed job(s)\n`);
    const json = await runCli(['crypto:rotate', '--dry-run', '--json'], cliEnv({ current: NEW, previous: [OLD] }));
    expect(JSON.parse(json.stdout)).toEqual({ keyId: hexId(NEW), dryRun: true, runs: 25, steps: 49, jobs: 7, activeJobs: 0 });

    // Readers while the rotation runs: the API shows queued runs from their (re-sealed) jobs, a worker takes them.
    const worker = await app('worker', { current: NEW, previous: [OLD] });
    let rotating = true;
    let reads = 0;
    const failures: string[] = [];
    const reader = (async () => {
      while (rotating) {
        for (const id of [...queuedRunIds, ...finishedRunIds.slice(0, 3)]) {
          const res = await gateway.app.inject({ method: 'GET', url: `/api/v1/runs/${id}`, headers: { 'x-api-key': key } });
          reads += 1;
          if (res.statusCode !== 200) failures.push(`${id}: ${res.statusCode} ${res.body}`);
        }
      }
    })();
    const rotated = await book.run('rotate', {}, {}).finally(() => (rotating = false));
    await reader;
    expect(rotated.stderr).toBe('');
    expect(rotated.stdout).toMatch(new RegExp(`^key ${hexId(NEW)}: re-encrypted \\d+ run input\\(s\\), \\d+ step row\\(s\\), \\d+ queued/failed job\\(s\\)`));
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(0);

    for (const id of queuedRunIds) expect((await settledRun(gateway, { 'x-api-key': key }, id)).status).toBe('succeeded');
    await close(worker);
    // A job active during the pass, or a run a worker recorded from a not-yet-rotated job: a second pass takes what is left.
    const again = await book.run('rotate');
    expect(again.code).toBe(0);
    expect(await book.run('check')).toMatchObject({ code: 0, stdout: `key ${hexId(NEW)}: nothing left under an older key: the previous keys can be removed\n` });

    const audit = await book.run('audit');
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(new RegExp(`crypto\\.rotated data_key:${hexId(NEW)} runs=\\d+ steps=\\d+ jobs=\\d+`));
    await close(gateway);
  }, 120_000);

  it('without the old key everything still opens: stored values, a replay that resumes from stored outputs, the delayed job', async () => {
    const t = await app('all', { current: NEW });
    const stored = await sealedEverywhere(t);
    const only = new DataCipher(NEW);
    expect(stored.length).toBeGreaterThan(70);
    for (const sealed of stored) {
      expect(sealed[0]).toBe(0x80 | dataKeyId(NEW));
      expect(() => only.decrypt(sealed)).not.toThrow();
    }
    const replay = await runCli(['dlq:replay', '--run', deadRunId], cliEnv({ current: NEW }));
    expect(replay).toMatchObject({ code: 0, stdout: 'replayed 1 run(s)\n' });
    const run = await settledRun(t, { 'x-api-key': key }, deadRunId);
    expect(run.status).toBe('succeeded');
    // Resumed after the step that succeeded before the rotation: its output came from the re-sealed column.
    expect(target.to('/lookup')).toHaveLength(24 + 1 + 6);
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    await close(t);
  }, 120_000);

  it('a value under a key that is not configured fails with its key id and the fix; add the key and rotate again', async () => {
    const id = finishedRunIds[1]!;
    const underOlder = new DataCipher(OLDER, [OLD]).encryptJson({ applicant: 'restored from a backup' });
    await adminQuery(infra.databaseUrl, `UPDATE runs SET input_encrypted = decode('${underOlder.toString('base64')}', 'base64') WHERE id = '${id}'`);
    walkKeys = { current: NEW, previous: [OLD] };
    const refused = await book.run('rotate');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `visapi: this value was encrypted under key id ${hexId(OLDER)}, which is neither DATA_ENCRYPTION_KEY (${hexId(NEW)}) nor one of DATA_ENCRYPTION_PREVIOUS_KEYS (${hexId(OLD)}): add that key to DATA_ENCRYPTION_PREVIOUS_KEYS\n`,
    );
    walkKeys = { current: NEW, previous: [OLD, OLDER] };
    // The input from the backup, and the step output the replay above wrote without a previous key (legacy layout).
    expect((await book.run('rotate')).stdout).toBe(`key ${hexId(NEW)}: re-encrypted 1 run input(s), 1 step row(s), 0 queued/failed job(s)\n`);
    walkKeys = { current: NEW, previous: [OLD] };
    expect((await book.run('check')).stdout).toContain('nothing left under an older key');
  }, 120_000);

  it('refuses to run without a previous key, a bad --batch-size and a previous key that is not 32 bytes, in one line', async () => {
    const noPrevious = await runCli(['crypto:rotate', '--dry-run'], cliEnv({ current: NEW }));
    expect(noPrevious).toMatchObject({ code: 1, stdout: '' });
    expect(noPrevious.stderr).toMatch(/^visapi: DATA_ENCRYPTION_PREVIOUS_KEYS is empty: set the new key as DATA_ENCRYPTION_KEY and the old one in DATA_ENCRYPTION_PREVIOUS_KEYS.*\n$/);
    const bad = await runCli(['crypto:rotate', '--batch-size', '0'], cliEnv({ current: NEW }));
    expect(bad).toMatchObject({ code: 1, stderr: 'visapi: --batch-size: a whole number from 1 to 10000\n' });
    const short = await runCli(['crypto:rotate', '--dry-run'], { ...cliEnv({ current: NEW }), DATA_ENCRYPTION_PREVIOUS_KEYS: `${b64(OLD)},${randomBytes(16).toString('base64')}` });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^visapi: Invalid configuration: DATA_ENCRYPTION_PREVIOUS_KEYS must be comma-separated keys of 32 bytes each/);
    expect(short.stderr).not.toContain(b64(OLD));
  }, 120_000);
});
