import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Run, RunsQuery, RunSummary, TriggerAccepted } from '@visapi/contracts';
import { EventsPublisher } from '../events/event-publisher';
import { redact } from '../logs/redaction';
import { LogService } from '../logs/log-write.service';
import type { DataCipher } from '../platform/crypto/encryption';
import { keyset } from '../platform/http/cursor';
import { ProblemException, redisUnavailable } from '../platform/http/problem';
import { CIPHER, LOGGER } from '../platform/platform.module';
import { RUN_QUEUES, type RunJob, type RunQueue, runJob } from '../queues/job-catalog';
import { QueuesService } from '../queues/queues.service';
import { RunCancellations } from './run-cancellations';
import { RunProducer } from './run-producer';
import { toRun, toRunSummary } from './run-view';
import { type RunRow, RunsRepository, type RunSummaryRow } from './runs.repository';
import type { RunStatus } from '../platform/db/schema';

/** What the runs API and the CLI do with runs: show, list, retry, cancel, replay. */
@Injectable()
export class RunsService {
  constructor(
    @Inject(CIPHER) private readonly cipher: DataCipher,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly queues: QueuesService,
    private readonly repository: RunsRepository,
    private readonly producer: RunProducer,
    private readonly cancellations: RunCancellations,
    private readonly logs: LogService,
    private readonly events: EventsPublisher,
  ) {}

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
    const row = await this.reopen(existing, ['dead', 'cancelled', 'failed'], by, action);
    if (!row) throw new ProblemException('conflict', `The run is ${existing.status}: only dead, cancelled or failed runs can be retried.`);
    return this.accepted(row);
  }

  /**
   * A bulk replay's step (dlq-replays.service.ts): replays the run as a manual retry does if it
   * is still dead; false when it is not (replayed or cancelled meanwhile, or deleted).
   */
  async replayIfDead(id: string, by: { actorId: string | null; actorType: string }): Promise<boolean> {
    const existing = await this.repository.find(id);
    if (existing?.status !== 'dead') return false;
    return (await this.reopen(existing, ['dead'], by, 'run.replayed')) !== undefined;
  }

  /** Reopens a finished run (if its status is still one of `from`) and queues it; undefined when it was not. */
  private async reopen(existing: RunRow, from: RunStatus[], by: { actorId: string | null; actorType: string }, action: string): Promise<RunRow | undefined> {
    const row = await this.repository.reopen(existing.id, from);
    if (!row) return undefined;
    this.updated(row);
    try {
      await this.producer.requeue(row, 'retry');
    } catch (error) {
      this.logger.warn({ err: error, runId: row.id }, 'could not queue a reopened run');
      this.updated(await this.repository.finish(row.id, existing.status, existing.error, this.events.listening));
      // The cause goes to the log: a client is told what happened, not Redis's own words.
      throw redisUnavailable(`The queue is unavailable (Redis does not answer): the run stays ${existing.status}. Retry shortly.`);
    }
    this.audit(action, row, by);
    return row;
  }

  /** Cancels a queued, running or retry-waiting run; a step in flight finishes, no further step starts. */
  async cancel(id: string, by: { actorId: string | null; actorType: string }): Promise<Run> {
    const row = await this.repository.cancel(id);
    if (!row) {
      const existing = await this.repository.find(id);
      if (!existing) throw new ProblemException('notFound', 'No run has this id.');
      throw new ProblemException('conflict', `The run is already ${existing.status}.`);
    }
    this.updated(row);
    const job = row.job_id ? await this.queues.get(row.queue as RunQueue).getJob(row.job_id) : undefined;
    if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove().catch(() => undefined);
    // A worker running it aborts the step in flight (else it stops before the next step).
    await this.cancellations.publish(row.id);
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

  /** `run.updated` (SPEC §9), while someone watches the live events. */
  private updated(row: RunSummaryRow | undefined) {
    if (row && this.events.listening) this.events.publish('run.updated', toRunSummary(row));
  }

  private accepted(row: RunRow): TriggerAccepted {
    return this.producer.acceptance(row.workflow_id, row.id);
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
      let data: RunJob;
      try {
        data = runJob.read(job.data);
      } catch {
        continue; // a job this release cannot read (a newer one's, or broken): no run to show from it
      }
      return {
        id,
        workflowId: data.workflowId,
        workflowVersion: data.version,
        status: 'queued',
        trigger: data.trigger,
        requestId: data.requestId,
        input: redact(this.cipher.decryptJson(Buffer.from(data.sealedInput, 'base64'))),
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
