import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueuesService } from '../src/queues/queues.service';
import { retentionJob } from '../src/queues/job-catalog';
import { Retention } from '../src/retention/retention';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
const DAY = 86_400_000;
const MINUTE = 60_000;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'worker', env: { RETENTION_BATCH_SIZE: '2', LOG_RETENTION_DAYS: '90', RUN_RETENTION_DAYS: '30', LOG_PRUNE_CRON: '15 4 * * *' } });
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

describe('retention', () => {
  it('is scheduled on LOG_PRUNE_CRON in the maintenance queue', async () => {
    const scheduler = await t.app.get(QueuesService).get('maintenance').getJobScheduler(retentionJob.name);
    expect(scheduler).toMatchObject({ pattern: '15 4 * * *', tz: 'UTC' });
  });

  it('deletes, in batches, what is past its limit and keeps what is just inside it', async () => {
    const db = t.runtime.database.db;
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const logsOld = at(-90 * DAY - MINUTE);
    const logsKept = at(-90 * DAY + MINUTE);
    const runsOld = at(-30 * DAY - MINUTE);
    const runsKept = at(-30 * DAY + MINUTE);

    for (let i = 0; i < 5; i++) await sql`INSERT INTO logs (level, message, created_at) VALUES ('info', ${`old ${i}`}, ${logsOld})`.execute(db);
    for (let i = 0; i < 2; i++) await sql`INSERT INTO logs (level, message, created_at) VALUES ('info', ${`kept ${i}`}, ${logsKept})`.execute(db);

    const { rows } = await sql<{ id: string }>`INSERT INTO workflows (name, current_version) VALUES ('retained', '1.0.0') RETURNING id`.execute(db);
    const workflowId = rows[0]!.id;
    const run = async (status: string, finishedAt: Date | null, createdAt = at(-100 * DAY)) => {
      const id = crypto.randomUUID();
      await sql`INSERT INTO runs (id, workflow_id, workflow_version, status, trigger_type, queue, created_at, finished_at)
                VALUES (${id}, ${workflowId}, '1.0.0', ${status}, 'manual', 'default', ${createdAt}, ${finishedAt})`.execute(db);
      await sql`INSERT INTO run_steps (run_id, step_id, position, type, status) VALUES (${id}, 's', 0, 'delay', 'succeeded')`.execute(db);
      return id;
    };
    const gone = [await run('succeeded', runsOld), await run('dead', runsOld), await run('cancelled', runsOld)];
    const kept = [await run('succeeded', runsKept), await run('running', null), await run('failed', null)];
    await sql`INSERT INTO outbox (connector, payload, created_at) VALUES ('slack.send', '{}', ${runsOld}), ('slack.send', '{}', ${runsKept})`.execute(db);

    const pruned = await t.app.get(Retention).prune(now);
    expect(pruned).toMatchObject({ logs: 5, runs: 3, outbox: 1 });

    const left = await sql<{ message: string }>`SELECT message FROM logs WHERE message LIKE 'old %' OR message LIKE 'kept %' ORDER BY message`.execute(db);
    expect(left.rows.map((r) => r.message)).toEqual(['kept 0', 'kept 1']);
    const runs = await sql<{ id: string }>`SELECT id FROM runs WHERE workflow_id = ${workflowId}`.execute(db);
    expect(runs.rows.map((r) => r.id).sort()).toEqual([...kept].sort());
    const steps = await sql<{ n: number }>`SELECT count(*)::int AS n FROM run_steps WHERE run_id = ANY(${gone}::uuid[])`.execute(db);
    expect(steps.rows[0]!.n).toBe(0);
    const outbox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(db);
    expect(outbox.rows[0]!.n).toBe(1);

    expect(await t.app.get(Retention).prune(now)).toMatchObject({ logs: 0, runs: 0, outbox: 0 });
  });
});
