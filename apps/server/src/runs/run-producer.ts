import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { TriggerAccepted } from '@visapi/contracts';
import type { Logger } from 'pino';
import { EventsPublisher } from '../events/event-publisher';
import { LogService } from '../logs/log-write.service';
import type { Config } from '../platform/config/config';
import type { DataCipher } from '../platform/crypto/encryption';
import { ProblemException, redisUnavailable, redisUnavailableFor } from '../platform/http/problem';
import { CIPHER, CONFIG, LOGGER } from '../platform/platform.module';
import { ReplicaAckError } from '../platform/redis/cluster';
import { RedisBudgetSpentError, type RequestBudget } from '../platform/redis/request-budget';
import { type RunJob, type RunQueue, runJob, runJobToWrite } from '../queues/job-catalog';
import { QueuesService, UnconfirmedAddError } from '../queues/queues.service';
import { toFieldErrors } from '../workflows/definition-validator';
import type { CatalogEntry } from '../workflows/workflow-catalog';
import { type RunRow, RunsRepository } from './runs.repository';

export interface TriggerRequest {
  entry: CatalogEntry;
  input: unknown;
  /**
   * The input as JSON text, when the request brought it so (a JSON body's bytes): sealed as it
   * is, not stringified again. Must parse to `input`.
   */
  inputJson?: Buffer;
  trigger: RunJob['trigger'];
  requestId: string | null;
  /** Set for idempotent requests, so a retried request reuses the job id (queued once). */
  runId?: string;
  /** Cron jitter: the run waits this long in the queue. */
  delayMs?: number;
  /** When the trigger happened (a cron fire's scheduled time); default now. */
  triggeredAt?: string;
  /** The request's time for Redis, when a request waits on the add. */
  budget?: RequestBudget;
}

/** Queues runs: a trigger's new run, or a recorded run again (retry, reconciliation). */
@Injectable()
export class RunProducer {
  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'PUBLIC_URL'>,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CIPHER) private readonly cipher: DataCipher,
    private readonly queues: QueuesService,
    private readonly repository: RunsRepository,
    private readonly logs: LogService,
    private readonly events: EventsPublisher,
  ) {}

  /**
   * Validates the payload against the workflow's inputSchema (422) and queues the run. Touches
   * Redis only; resolves once the job is stored, so a 202 means the run is queued.
   */
  async enqueue({ entry, input, inputJson, trigger, requestId, runId = randomUUID(), delayMs, triggeredAt, budget }: TriggerRequest): Promise<TriggerAccepted> {
    const { workflow, definition, versionId, validateInput } = entry;
    if (validateInput && !validateInput(input)) {
      throw new ProblemException('unprocessable', 'The payload does not match the workflow’s inputSchema.', toFieldErrors(validateInput.errors ?? []));
    }
    const job: RunJob = {
      v: 2,
      runId,
      workflowId: workflow.id,
      versionId,
      version: definition.version,
      trigger,
      requestId,
      sealedInput: (inputJson ? this.cipher.encrypt(inputJson) : this.cipher.encryptJson(input)).toString('base64'),
      triggeredAt: triggeredAt ?? new Date().toISOString(),
    };
    try {
      await this.queues.add(workflow.priority, runJob.name, runJobToWrite(job), { jobId: runId, ...runJob.options, ...(delayMs ? { delay: delayMs } : {}) }, budget);
    } catch (error) {
      if (error instanceof ReplicaAckError) {
        this.logger.warn({ err: error, runId }, 'a queued run was not acknowledged by the Redis replicas in time');
        throw redisUnavailable('The run was queued but no Redis replica confirmed it in time; it may run or be lost in a failover. Retry with the same Idempotency-Key.');
      }
      if (error instanceof UnconfirmedAddError) {
        throw redisUnavailable('The queue did not confirm the run in time (Redis does not answer); it may have been queued. Retry with the same Idempotency-Key: the retry answers the run if it was.');
      }
      if (!(error instanceof RedisBudgetSpentError)) this.logger.warn({ err: error, runId }, 'could not queue a run');
      throw redisUnavailableFor(error, 'The queue is unavailable (Redis does not answer); nothing was accepted. Retry shortly.');
    }
    // A repeat that took over a claim left not done re-adds the same job id; once that job is
    // gone (it finished), this announces a run that already exists, and a dashboard list shows
    // it queued until read again. Rare (a gateway died between add and mark); telling would cost
    // a PostgreSQL read on this Redis-only path, so it is left so.
    this.events.publish('run.created', {
      id: runId, workflowId: workflow.id, workflowVersion: definition.version, status: 'queued', trigger, requestId,
      attempts: 0, createdAt: job.triggeredAt, startedAt: null, finishedAt: null, error: null,
    });
    this.logs.write({ level: 'info', message: `run queued (${trigger.type})`, workflowId: workflow.id, runId, jobId: runId, actorId: trigger.actorId ?? null, payload: { trigger, requestId, queue: workflow.priority, version: definition.version } });
    return this.acceptance(workflow.id, runId);
  }

  /** A new job id for a recorded run queued again. */
  static requeueJobId(runId: string, reason: 'retry' | 'reconcile'): string {
    return `${runId}:${reason}:${Date.now()}`;
  }

  /** Queues a recorded run again under a new job id (the worker resumes it at its unfinished step). */
  async requeue(row: RunRow, reason: 'retry' | 'reconcile' = 'reconcile', jobId = RunProducer.requeueJobId(row.id, reason)): Promise<void> {
    const data: RunJob = {
      v: 2,
      runId: row.id,
      workflowId: row.workflow_id,
      versionId: row.workflow_version_id!,
      version: row.workflow_version,
      trigger: { type: row.trigger_type, ...(row.trigger_key ? { key: row.trigger_key } : {}), ...(row.actor_id ? { actorId: row.actor_id } : {}) },
      requestId: row.request_id,
      sealedInput: row.input_encrypted!.toString('base64'),
      triggeredAt: row.created_at.toISOString(),
    };
    await this.queues.add(row.queue as RunQueue, runJob.name, runJobToWrite(data), { jobId, ...runJob.options });
    await this.repository.setJob(row.id, jobId);
  }

  /** The 202 answer for a queued run. */
  acceptance(workflowId: string, runId: string): TriggerAccepted {
    return { runId, workflowId, status: 'queued', statusUrl: `${this.config.PUBLIC_URL}/api/v1/runs/${runId}` };
  }
}
