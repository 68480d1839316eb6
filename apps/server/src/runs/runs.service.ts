import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Inject, Injectable } from '@nestjs/common';
import { type Run, type RunsQuery, type RunSummary, type TriggerAccepted, WORKFLOW_PRIORITIES } from '@visapi/contracts';
import { toFieldErrors } from '../workflows/definition-validator';
import { redact } from '../logs/redaction';
import { LogService } from '../logs/log-write.service';
import { keyset } from '../platform/http/cursor';
import { ProblemException } from '../platform/http/problem';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { QueuesService } from '../queues/queues.service';
import type { CatalogEntry } from '../workflows/workflow-catalog';
import { cancelChannel, RUN_JOB_NAME, type RunJob, runJobSchema } from './run-job';
import { toRun, toRunSummary } from './run-view';
import { type RunRow, RunsRepository } from './runs.repository';

export interface TriggerRequest {
  entry: CatalogEntry;
  input: unknown;
  trigger: RunJob['trigger'];
  requestId: string | null;
  /** Set for idempotent requests, so a retried request reuses the job id (queued once). */
  runId?: string;
  /** Cron jitter: the run waits this long in the queue. */
  delayMs?: number;
  /** When the trigger happened (a cron fire's scheduled time); default now. */
  triggeredAt?: string;
}

/** The run queues: one per workflow priority. */
const RUN_QUEUES = WORKFLOW_PRIORITIES;
/** Attempts cover crashes and outages (PostgreSQL down); step retries are the engine's own. */
const RUN_JOB_OPTIONS = {
  attempts: 30,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
type RunQueue = (typeof RUN_QUEUES)[number];

@Injectable()
export class RunsService {
  private readonly publisher: Redis;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly queues: QueuesService,
    private readonly repository: RunsRepository,
    private readonly logs: LogService,
  ) {
    this.publisher = runtime.redis.create('command', 'visapi:runs:pub');
  }

  /**
   * Validates the payload against the workflow's inputSchema (422) and queues the run. Touches
   * Redis only; resolves once the job is stored, so a 202 means the run is queued.
   */
  async enqueue({ entry, input, trigger, requestId, runId = randomUUID(), delayMs, triggeredAt }: TriggerRequest): Promise<TriggerAccepted> {
    const { workflow, definition, versionId, validateInput } = entry;
    if (validateInput && !validateInput(input)) {
      throw new ProblemException('unprocessable', 'The payload does not match the workflow’s inputSchema.', toFieldErrors(validateInput.errors ?? []));
    }
    const job: RunJob = {
      v: 1,
      runId,
      workflowId: workflow.id,
      versionId,
      version: definition.version,
      trigger,
      requestId,
      input: this.runtime.cipher.encryptJson(input).toString('base64'),
      triggeredAt: triggeredAt ?? new Date().toISOString(),
    };
    try {
      await this.queues.add(workflow.priority, RUN_JOB_NAME, job, { jobId: runId, ...RUN_JOB_OPTIONS, ...(delayMs ? { delay: delayMs } : {}) });
    } catch (error) {
      this.runtime.logger.error({ err: error, runId }, 'could not queue a run');
      throw new ProblemException('unavailable', 'The queue is unavailable (Redis does not answer); nothing was accepted. Retry shortly.');
    }
    this.logs.write({ level: 'info', message: `run queued (${trigger.type})`, workflowId: workflow.id, runId, jobId: runId, actorId: trigger.actorId ?? null, payload: { trigger, requestId, queue: workflow.priority, version: definition.version } });
    return this.acceptance(workflow.id, runId);
  }

  /**
   * Manual retry (SPEC §6): a dead or cancelled run resumes from its first unfinished step; a
   * run waiting for its next automatic retry is run now. 409 for anything else.
   */
  async retry(id: string, by: { actorId: string | null; actorType: string }, action = 'run.retried'): Promise<TriggerAccepted> {
    const existing = await this.repository.find(id);
    if (!existing) throw new ProblemException('notFound', 'No run has this id.');
    if (existing.status === 'failed') {
      const job = existing.job_id ? await this.queues.get(existing.queue as RunQueue).getJob(existing.job_id) : undefined;
      if (job && (await job.isDelayed())) {
        await job.promote();
        this.audit(action, existing, by);
        return this.accepted(existing);
      }
    }
    const row = await this.repository.reopen(id, ['dead', 'cancelled', 'failed']);
    if (!row) throw new ProblemException('conflict', `The run is ${existing.status}: only dead, cancelled or failed runs can be retried.`);
    try {
      await this.requeue(row, 'retry');
    } catch (error) {
      await this.repository.finish(row.id, existing.status, existing.error);
      throw new ProblemException('unavailable', `The queue is unavailable: the run stays ${existing.status}. (${(error as Error).message})`);
    }
    this.audit(action, row, by);
    return this.accepted(row);
  }

  /** Queues a recorded run again under a new job id (the worker resumes it at its unfinished step). */
  async requeue(row: RunRow, reason: 'retry' | 'reconcile' = 'reconcile'): Promise<void> {
    const data: RunJob = {
      v: 1,
      runId: row.id,
      workflowId: row.workflow_id,
      versionId: row.workflow_version_id!,
      version: row.workflow_version,
      trigger: { type: row.trigger_type, ...(row.trigger_key ? { key: row.trigger_key } : {}), ...(row.actor_id ? { actorId: row.actor_id } : {}) },
      requestId: row.request_id,
      input: row.input_encrypted!.toString('base64'),
      triggeredAt: row.created_at.toISOString(),
    };
    const jobId = `${row.id}:${reason}:${Date.now()}`;
    await this.queues.add(row.queue as RunQueue, RUN_JOB_NAME, data, { jobId, ...RUN_JOB_OPTIONS });
    await this.repository.setJob(row.id, jobId);
  }

  /** Cancels a queued, running or retry-waiting run; a step in flight finishes, no further step starts. */
  async cancel(id: string, by: { actorId: string | null; actorType: string }): Promise<Run> {
    const row = await this.repository.cancel(id);
    if (!row) {
      const existing = await this.repository.find(id);
      if (!existing) throw new ProblemException('notFound', 'No run has this id.');
      throw new ProblemException('conflict', `The run is already ${existing.status}.`);
    }
    const job = row.job_id ? await this.queues.get(row.queue as RunQueue).getJob(row.job_id) : undefined;
    if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove().catch(() => undefined);
    // A worker running it aborts the step in flight (else it stops before the next step).
    await this.publisher.publish(cancelChannel(this.runtime), row.id).catch(() => undefined);
    this.audit('run.cancelled', row, by);
    return this.get(id);
  }

  /** Replays dead runs (SPEC §6): each resumes at its failed step, as a manual retry does. */
  async replay(filter: { runIds?: string[]; workflowId?: string; all?: boolean }, by: { actorId: string | null; actorType: string }, dryRun = false): Promise<{ replayed: number; runIds: string[] }> {
    const runIds: string[] = [];
    let after: string | undefined;
    for (;;) {
      const batch = await this.repository.deadIds({ runIds: filter.runIds, workflowId: filter.workflowId }, 500, after);
      if (batch.length === 0) break;
      for (const id of batch) {
        if (!dryRun) {
          try {
            await this.retry(id, by, 'run.replayed');
          } catch (error) {
            if (error instanceof ProblemException && error.kind === 'conflict') continue; // replayed meanwhile
            throw error;
          }
        }
        runIds.push(id);
      }
      after = batch.at(-1);
    }
    return { replayed: runIds.length, runIds };
  }

  private accepted(row: RunRow): TriggerAccepted {
    return this.acceptance(row.workflow_id, row.id);
  }

  /** The 202 answer for a queued run. */
  acceptance(workflowId: string, runId: string): TriggerAccepted {
    return { runId, workflowId, status: 'queued', statusUrl: `${this.runtime.config.PUBLIC_URL}/api/v1/runs/${runId}` };
  }

  private audit(action: string, row: RunRow, by: { actorId: string | null; actorType: string }) {
    this.logs.audit({ actorId: by.actorId, action, target: `run:${row.id}`, details: { actorType: by.actorType }, workflowId: row.workflow_id, runId: row.id });
  }

  /** From PostgreSQL, or — between the 202 and the worker's first write — from the queue. */
  async get(id: string): Promise<Run> {
    const row = await this.repository.find(id);
    if (row) return toRun(row, await this.repository.steps(id));
    for (const name of RUN_QUEUES) {
      const job = await this.queues.get(name).getJob(id);
      if (!job) continue;
      const data = runJobSchema.parse(job.data);
      return {
        id,
        workflowId: data.workflowId,
        workflowVersion: data.version,
        status: 'queued',
        trigger: data.trigger,
        requestId: data.requestId,
        input: redact(this.runtime.cipher.decryptJson(Buffer.from(data.input, 'base64'))),
        attempts: 0,
        createdAt: data.triggeredAt,
        startedAt: null,
        finishedAt: null,
        error: null,
        steps: [],
      };
    }
    throw new ProblemException('notFound', 'No run has this id.');
  }

  async list(query: RunsQuery): Promise<{ items: RunSummary[]; nextCursor: string | null }> {
    const { limit, cursor, ...filter } = query;
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.list(filter, take, after), toRunSummary);
  }
}
