import { Inject, Injectable } from '@nestjs/common';
import type { RunsQuery } from '@visapi/contracts';
import { type Selectable, sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';
import type { RunStatus, RunStepsTable, RunsTable, StepStatus } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';
import type { RunJob } from '../queues/job-catalog';
import type { StoredStepResult } from './step-results';

export type RunRow = Selectable<RunsTable>;
/** What a run summary (the API's list item, the `run.updated` event) is made of. */
export type RunSummaryRow = Pick<RunRow, 'id' | 'workflow_id' | 'workflow_version' | 'status' | 'trigger_type' | 'trigger_key' | 'actor_id' | 'request_id' | 'attempts' | 'error' | 'created_at' | 'started_at' | 'finished_at'>;
/** What begin() records of a run's job. */
export type RunIdentity = Pick<RunJob, 'runId' | 'workflowId' | 'versionId' | 'version' | 'trigger' | 'requestId' | 'triggeredAt'>;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/**
 * Named columns, not `*`: a prepared statement returning `*` fails ("cached plan must not
 * change result type") once a migration adds a column under a running worker.
 */
const RUN_COLUMNS = [
  'id', 'workflow_id', 'workflow_version_id', 'workflow_version', 'status', 'trigger_type', 'trigger_key', 'actor_id', 'request_id',
  'queue', 'job_id', 'input_encrypted', 'input_redacted', 'attempts', 'error', 'created_at', 'started_at', 'finished_at', 'updated_at',
].join(', ');

/**
 * One statement per group of deliveries (see begin()): the runs of concurrent deliveries are
 * recorded together, each with its first step's start when it is new.
 */
const BEGIN = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::text[],
                         $10::text[], $11::bytea[], $12::jsonb[], $13::timestamptz[], $14::text[], $15::text[])
      AS i(id, workflow_id, workflow_version_id, workflow_version, trigger_type, trigger_key, actor_id, request_id, queue,
           job_id, input_encrypted, input_redacted, created_at, first_step_id, first_step_type)
  ), run AS (
    INSERT INTO runs (id, workflow_id, workflow_version_id, workflow_version, status, trigger_type, trigger_key, actor_id,
                      request_id, queue, job_id, input_encrypted, input_redacted, attempts, created_at, started_at, updated_at)
    SELECT id, workflow_id, workflow_version_id, workflow_version, 'running', trigger_type, trigger_key, actor_id,
           request_id, queue, job_id, input_encrypted, input_redacted, 1, created_at, now(), now()
    FROM input
    ON CONFLICT (id) DO UPDATE SET
      status = CASE WHEN runs.status IN ('succeeded', 'dead', 'cancelled') THEN runs.status ELSE 'running' END,
      attempts = runs.attempts + CASE WHEN runs.status IN ('succeeded', 'dead', 'cancelled') THEN 0 ELSE 1 END,
      started_at = coalesce(runs.started_at, now()),
      error = CASE WHEN runs.status IN ('succeeded', 'dead', 'cancelled') THEN runs.error ELSE NULL END,
      updated_at = now()
    RETURNING ${RUN_COLUMNS}, (xmax = 0) AS fresh
  ), first_step AS (
    INSERT INTO run_steps (run_id, step_id, position, type, status, attempts, started_at)
    SELECT run.id, input.first_step_id, 0, input.first_step_type, 'running', 1, now()
    FROM run JOIN input ON input.id = run.id
    WHERE run.fresh AND input.first_step_id IS NOT NULL
  )
  SELECT * FROM run`;

const FINISH = `
  UPDATE runs SET status = $2, error = $3::jsonb, finished_at = CASE WHEN $4::boolean THEN now() END, updated_at = now()
  WHERE id = $1`;

/** Returned by the run loop's status changes only while someone watches the live events. */
const SUMMARY_COLUMNS = 'id, workflow_id, workflow_version, status, trigger_type, trigger_key, actor_id, request_id, attempts, error, created_at, started_at, finished_at';

/** Marks a step running unless the run was cancelled meanwhile (then no row comes back). */
const STEP_STARTED = `
  WITH run AS (
    UPDATE runs SET updated_at = now() WHERE id = $1 AND status <> 'cancelled' RETURNING id
  )
  INSERT INTO run_steps (run_id, step_id, position, type, status, attempts, started_at)
  SELECT id, $2, $3, $4, 'running', $5, now() FROM run
  ON CONFLICT (run_id, step_id) DO UPDATE SET status = 'running', attempts = $5, finished_at = NULL
  RETURNING step_id`;

const STEP_FINISHED = `
  UPDATE run_steps SET status = $3, finished_at = now(), output = $4::jsonb, error = $5::jsonb, items = $6::jsonb,
                       output_encrypted = $7::bytea, items_encrypted = $8::bytea
  WHERE run_id = $1 AND step_id = $2`;

/**
 * Last steps that succeeded, several runs' at once: each step's result and its run's success;
 * a forEach step's items recorded one by one are deleted with it (its outcome takes them over).
 */
const LAST_STEPS_SUCCEEDED = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::bytea[], $6::bytea[], $7::boolean[])
      AS i(run_id, step_id, output, items, output_encrypted, items_encrypted, for_each)
  ), cleared AS (
    DELETE FROM run_step_items USING input
    WHERE input.for_each AND run_step_items.run_id = input.run_id AND run_step_items.step_id = input.step_id
  ), step AS (
    UPDATE run_steps SET status = 'succeeded', finished_at = now(), error = NULL, output = input.output, items = input.items,
                         output_encrypted = input.output_encrypted, items_encrypted = input.items_encrypted
    FROM input
    WHERE run_steps.run_id = input.run_id AND run_steps.step_id = input.step_id
    RETURNING run_steps.run_id
  )
  UPDATE runs SET status = 'succeeded', error = NULL, finished_at = now(), updated_at = now()
  WHERE id IN (SELECT run_id FROM step)`;
/** A forEach step's outcome takes over its items recorded one by one: they are deleted with it. */
const CLEAR_ITEMS = `cleared AS (DELETE FROM run_step_items WHERE run_id = $1 AND step_id = $2)`;
const STEP_FINISHED_FOR_EACH = `WITH ${CLEAR_ITEMS} ${STEP_FINISHED}`;

/** forEach items as each finishes, several (concurrent runs') in one statement; a repeat of an item overwrites it. */
const ITEMS_FINISHED = `
  INSERT INTO run_step_items (run_id, step_id, item_index, status, output_encrypted, error)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::bytea[], $6::jsonb[])
  ON CONFLICT (run_id, step_id, item_index) DO UPDATE
    SET status = excluded.status, output_encrypted = excluded.output_encrypted, error = excluded.error, finished_at = now()`;

/** What begin() records of one delivery of a run's job. */
export interface BeginRow {
  job: RunIdentity;
  queue: string;
  jobId: string;
  inputEncrypted: Buffer;
  /** The first delivery's redacted input; undefined on a redelivery (already stored). */
  inputRedacted: unknown;
  firstStep?: { id: string; type: string };
}

/** A run's last step that succeeded (see lastStepsSucceeded). */
export interface LastStepRow {
  runId: string;
  stepId: string;
  result: StoredStepResult;
  forEach: boolean;
}

/** One forEach item's result, as written when it finishes. */
export interface ItemRow {
  runId: string;
  stepId: string;
  index: number;
  status: 'succeeded' | 'failed';
  /** A succeeded item's raw output, sealed. */
  outputSealed: Buffer | null;
  /** A failed item's error, redacted. */
  error: unknown;
}

/** An item recorded while its step was in progress (see itemsInProgress). */
export interface ItemProgressRow {
  step_id: string;
  item_index: number;
  status: 'succeeded' | 'failed';
  output_encrypted: Buffer | null;
}

export type RunStepRow = Selectable<RunStepsTable>;
/** A step as the API shows it: no sealed copies; `output_sealed` says the plain output is already redacted. */
export type RunStepView = Pick<RunStepRow, 'step_id' | 'type' | 'status' | 'attempts' | 'started_at' | 'finished_at' | 'output' | 'error'> & { output_sealed: boolean };
/** What a resumed run needs of its earlier steps. */
export type RunStepProgress = Pick<RunStepRow, 'step_id' | 'status' | 'attempts' | 'output' | 'output_encrypted' | 'items' | 'items_encrypted'>;

@Injectable()
export class RunsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  /**
   * One statement for a group of deliveries (each a run's job): records a run the first time
   * (already running) together with its first step's start, or marks an existing unfinished
   * one running again; a finished run comes back untouched. `fresh` says the row was just
   * created (so it has no steps but the first). Rows come back in the order of `deliveries`;
   * the same run twice in one group is refused by PostgreSQL (GroupedWrites then writes each alone).
   */
  async begin(deliveries: BeginRow[]): Promise<Array<RunRow & { fresh: boolean }>> {
    const column = <V>(pick: (d: BeginRow) => V) => deliveries.map(pick);
    const { rows } = await this.prepared<RunRow & { fresh: boolean }>('visapi_runs_begin', BEGIN, [
      column((d) => d.job.runId), column((d) => d.job.workflowId), column((d) => d.job.versionId), column((d) => d.job.version),
      column((d) => d.job.trigger.type), column((d) => d.job.trigger.key ?? null), column((d) => d.job.trigger.actorId ?? null),
      column((d) => d.job.requestId), column((d) => d.queue), column((d) => d.jobId), column((d) => d.inputEncrypted),
      column((d) => JSON.stringify(d.inputRedacted ?? null)), column((d) => new Date(d.job.triggeredAt)),
      column((d) => d.firstStep?.id ?? null), column((d) => d.firstStep?.type ?? null),
    ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return deliveries.map((d) => byId.get(d.job.runId)!);
  }

  /** For a run begin() recorded without its redacted input (see PostgresRunStore.begin). */
  async setRedactedInput(id: string, inputRedacted: unknown): Promise<void> {
    await this.db.updateTable('runs').set({ input_redacted: JSON.stringify(inputRedacted ?? null) }).where('id', '=', id).execute();
  }

  find(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  steps(runId: string): Promise<RunStepView[]> {
    return this.db
      .selectFrom('run_steps')
      .select(['step_id', 'type', 'status', 'attempts', 'started_at', 'finished_at', 'output', 'error', sql<boolean>`output_encrypted IS NOT NULL`.as('output_sealed')])
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
  }

  progress(runId: string): Promise<RunStepProgress[]> {
    return this.db
      .selectFrom('run_steps')
      .select(['step_id', 'status', 'attempts', 'output', 'output_encrypted', 'items', 'items_encrypted'])
      .where('run_id', '=', runId)
      .execute();
  }

  /**
   * Takes a stale run for one sweep: names its new job and touches it, only if it is still
   * unfinished and untouched since `before` — so sweeps running at once on several workers
   * re-queue it once. False when another sweep (or a worker) got there first.
   */
  async claimStale(id: string, before: Date, jobId: string): Promise<boolean> {
    const claimed = await this.db
      .updateTable('runs')
      .set({ job_id: jobId, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return claimed.numUpdatedRows > 0n;
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.db.updateTable('runs').set({ job_id: jobId }).where('id', '=', id).execute();
  }

  /** Sets a run's (final, or will-retry) status; with `returning`, the run as it is now. */
  async finish(id: string, status: RunStatus, error: unknown = null, returning = false): Promise<RunSummaryRow | undefined> {
    const terminal = status === 'succeeded' || status === 'dead' || status === 'cancelled';
    const values = [id, status, error === null ? null : JSON.stringify(error), terminal];
    if (!returning) return void (await this.prepared('visapi_run_finish', FINISH, values));
    return (await this.prepared<RunSummaryRow>('visapi_run_finish_returning', `${FINISH} RETURNING ${SUMMARY_COLUMNS}`, values)).rows[0];
  }

  /**
   * Marks a step running (touching the run, for the stall sweep) — unless the run was
   * cancelled meanwhile, in which case nothing is written and false comes back. One statement.
   */
  async stepStarted(runId: string, stepId: string, position: number, type: string, attempt: number): Promise<boolean> {
    const { rows } = await this.prepared('visapi_step_started', STEP_STARTED, [runId, stepId, position, type, attempt]);
    return rows.length > 0;
  }

  /**
   * Last steps that succeeded, several runs' in one statement: each step's result and its run's
   * success. With `returning`, the runs as they are now, in the order of `steps`.
   */
  async lastStepsSucceeded(steps: LastStepRow[], returning: boolean): Promise<Array<RunSummaryRow | undefined>> {
    const values = [
      steps.map((s) => s.runId), steps.map((s) => s.stepId), steps.map((s) => json(s.result.output)), steps.map((s) => json(s.result.items)),
      steps.map((s) => s.result.outputSealed ?? null), steps.map((s) => s.result.itemsSealed ?? null), steps.map((s) => s.forEach),
    ];
    if (!returning) {
      await this.prepared('visapi_last_steps_succeeded', LAST_STEPS_SUCCEEDED, values);
      return steps.map(() => undefined);
    }
    const { rows } = await this.prepared<RunSummaryRow>('visapi_last_steps_succeeded_returning', `${LAST_STEPS_SUCCEEDED} RETURNING ${SUMMARY_COLUMNS}`, values);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return steps.map((s) => byId.get(s.runId));
  }

  async stepFinished(runId: string, stepId: string, status: StepStatus, result: StoredStepResult, forEach = false): Promise<void> {
    const values = [runId, stepId, status, json(result.output), json(result.error), json(result.items), result.outputSealed ?? null, result.itemsSealed ?? null];
    if (forEach) await this.prepared('visapi_for_each_step_finished', STEP_FINISHED_FOR_EACH, values);
    else await this.prepared('visapi_step_finished', STEP_FINISHED, values);
  }

  /** forEach items as each finished (GroupedWrites hands several at once); one statement. */
  async itemsFinished(rows: ItemRow[]): Promise<void> {
    // One row per item: the statement cannot update a row twice (a repeat keeps the last).
    const unique = [...new Map(rows.map((r) => [`${r.runId}/${r.stepId}/${r.index}`, r])).values()];
    await this.prepared('visapi_items_finished', ITEMS_FINISHED, [
      unique.map((r) => r.runId), unique.map((r) => r.stepId), unique.map((r) => r.index), unique.map((r) => r.status),
      unique.map((r) => r.outputSealed), unique.map((r) => json(r.error ?? undefined)),
    ]);
  }

  /** The items recorded one by one of a run's steps still in progress (a resumed run skips the succeeded ones). */
  async itemsInProgress(runId: string): Promise<ItemProgressRow[]> {
    const { rows } = await this.prepared<ItemProgressRow>(
      'visapi_items_in_progress',
      'SELECT step_id, item_index, status, output_encrypted FROM run_step_items WHERE run_id = $1 ORDER BY step_id, item_index',
      [runId],
    );
    return rows;
  }

  /**
   * The run loop's statements run as named prepared statements: PostgreSQL parses and plans
   * each once per connection instead of on every call (half its CPU for these, measured).
   */
  private prepared<R extends object>(name: string, text: string, values: unknown[]) {
    return this.database.pool.query<R>({ name, text, values });
  }

  /** A skipped step has no attempt: one row says so. */
  async stepSkipped(runId: string, stepId: string, position: number, type: string): Promise<void> {
    const now = new Date();
    await this.db
      .insertInto('run_steps')
      .values({ run_id: runId, step_id: stepId, position, type, status: 'skipped', attempts: 0, started_at: now, finished_at: now })
      .onConflict((oc) => oc.columns(['run_id', 'step_id']).doUpdateSet({ status: 'skipped', finished_at: now }))
      .execute();
  }

  /**
   * Reopens a finished run for a manual retry or a replay: queued again, its failed steps
   * pending with a fresh retry budget (succeeded steps and forEach items stay done).
   * Conditional, so two concurrent retries reopen it once.
   */
  reopen(id: string, from: RunStatus[]): Promise<RunRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('runs')
        .set({ status: 'queued', error: null, finished_at: null, updated_at: new Date() })
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst();
      if (row) {
        await tx
          .updateTable('run_steps')
          .set({ status: 'pending', attempts: 0, finished_at: null })
          .where('run_id', '=', id)
          .where('status', 'in', ['failed', 'running'])
          .execute();
      }
      return row;
    });
  }

  /** Cancels a run that has not finished; undefined when it had. */
  cancel(id: string): Promise<RunRow | undefined> {
    return this.db
      .updateTable('runs')
      .set({ status: 'cancelled', finished_at: new Date(), updated_at: new Date(), error: JSON.stringify({ class: 'cancelled', message: 'cancelled by request' }) })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running', 'failed'])
      .returningAll()
      .executeTakeFirst();
  }

  /** Unfinished runs nobody has touched since `before` (the reconciliation sweep's candidates). */
  stale(before: Date, limit: number): Promise<RunRow[]> {
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', ['queued', 'running'])
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  }

  /** Dead runs' ids, oldest first, for replays. */
  async deadIds(filter: { runIds?: string[]; workflowId?: string }, limit: number, afterId?: string): Promise<string[]> {
    let query = this.db.selectFrom('runs').select('id').where('status', '=', 'dead').orderBy('id').limit(limit);
    if (filter.runIds) query = query.where('id', 'in', filter.runIds);
    if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
    if (afterId) query = query.where('id', '>', afterId);
    return (await query.execute()).map((r) => r.id);
  }

  list(filter: Omit<RunsQuery, 'limit' | 'cursor'>, limit: number, after?: { at: string; id: string }): Promise<Array<RunRow & { at: string }>> {
    let query = this.db.selectFrom('runs').selectAll().select(exactCreatedAt().as('at')).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.triggerType) query = query.where('trigger_type', '=', filter.triggerType);
    if (filter.from) query = query.where('created_at', '>=', new Date(filter.from));
    if (filter.to) query = query.where('created_at', '<', new Date(filter.to));
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }
}
