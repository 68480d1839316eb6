import { Inject, Injectable } from '@nestjs/common';
import type { RunsQuery } from '@visapi/contracts';
import { sql, type Selectable } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';
import type { RunStatus, RunStepsTable, RunsTable, StepStatus } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';
import type { RunJob } from './run-job';

export type RunRow = Selectable<RunsTable>;
export type RunStepRow = Selectable<RunStepsTable>;

@Injectable()
export class RunsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  /** Records the run of a job the first time a worker sees it; later deliveries get the row. */
  async ensure(job: RunJob, queue: string, jobId: string, inputEncrypted: Buffer, inputRedacted: unknown): Promise<RunRow> {
    await this.db
      .insertInto('runs')
      .values({
        id: job.runId,
        workflow_id: job.workflowId,
        workflow_version_id: job.versionId,
        workflow_version: job.version,
        status: 'queued',
        trigger_type: job.trigger.type,
        trigger_key: job.trigger.key ?? null,
        actor_id: job.trigger.actorId ?? null,
        request_id: job.requestId,
        queue,
        job_id: jobId,
        input_encrypted: inputEncrypted,
        input_redacted: JSON.stringify(inputRedacted ?? null),
        created_at: new Date(job.triggeredAt),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.find(job.runId))!;
  }

  find(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  steps(runId: string): Promise<RunStepRow[]> {
    return this.db.selectFrom('run_steps').selectAll().where('run_id', '=', runId).orderBy('position').execute();
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.db.updateTable('runs').set({ job_id: jobId }).where('id', '=', id).execute();
  }

  async started(id: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), started_at: sql<Date>`coalesce(started_at, now())`, updated_at: new Date(), error: null }))
      .where('id', '=', id)
      .execute();
  }

  async finish(id: string, status: RunStatus, error: unknown = null): Promise<void> {
    const terminal = status === 'succeeded' || status === 'dead' || status === 'cancelled';
    await this.db
      .updateTable('runs')
      .set({ status, error: error === null ? null : JSON.stringify(error), finished_at: terminal ? new Date() : null, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async stepStarted(runId: string, stepId: string, position: number, type: string, attempt: number): Promise<void> {
    const now = new Date();
    await this.db
      .insertInto('run_steps')
      .values({ run_id: runId, step_id: stepId, position, type, status: 'running', attempts: attempt, started_at: now })
      .onConflict((oc) => oc.columns(['run_id', 'step_id']).doUpdateSet({ status: 'running', attempts: attempt, finished_at: null }))
      .execute();
    await this.db.updateTable('runs').set({ updated_at: now }).where('id', '=', runId).execute();
  }

  async stepFinished(runId: string, stepId: string, status: StepStatus, result: { output?: unknown; error?: unknown; items?: unknown }): Promise<void> {
    await this.db
      .updateTable('run_steps')
      .set({
        status,
        finished_at: new Date(),
        output: result.output === undefined ? null : JSON.stringify(result.output),
        error: result.error === undefined ? null : JSON.stringify(result.error),
        items: result.items === undefined ? null : JSON.stringify(result.items),
      })
      .where('run_id', '=', runId)
      .where('step_id', '=', stepId)
      .execute();
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
    if (filter.from) query = query.where('created_at', '>=', new Date(filter.from));
    if (filter.to) query = query.where('created_at', '<', new Date(filter.to));
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }
}
