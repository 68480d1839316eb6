import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Run, RunsQuery, RunSummary, TriggerAccepted } from '@visapi/contracts';
import { toFieldErrors } from '../workflows/definition-validator';
import { redact } from '../logs/redaction';
import { LogService } from '../logs/log.service';
import { decodeCursor, timeIdCursor, toPage } from '../platform/http/cursor';
import { ProblemException } from '../platform/http/problem';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { QueuesService } from '../queues/queues.service';
import type { CatalogEntry } from '../workflows/workflow-catalog';
import { RUN_JOB_NAME, type RunJob, runJobSchema } from './run-job';
import { toRun, toRunSummary } from './run-view';
import { RunsRepository } from './runs.repository';

export interface TriggerRequest {
  entry: CatalogEntry;
  input: unknown;
  trigger: RunJob['trigger'];
  requestId: string | null;
  /** Set for idempotent requests, so a retried request reuses the job id (queued once). */
  runId?: string;
}

const RUN_QUEUES = ['critical', 'default', 'bulk'] as const;

@Injectable()
export class RunsService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly queues: QueuesService,
    private readonly repository: RunsRepository,
    private readonly logs: LogService,
  ) {}

  /**
   * Validates the payload against the workflow's inputSchema (422) and queues the run. Touches
   * Redis only; resolves once the job is stored, so a 202 means the run is queued.
   */
  async enqueue({ entry, input, trigger, requestId, runId = randomUUID() }: TriggerRequest): Promise<TriggerAccepted> {
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
      triggeredAt: new Date().toISOString(),
    };
    try {
      await this.queues.add(workflow.priority, RUN_JOB_NAME, job, {
        jobId: runId,
        // Attempts cover crashes and outages (PostgreSQL down); step retries are the engine's own.
        attempts: 30,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    } catch (error) {
      this.runtime.logger.error({ err: error, runId }, 'could not queue a run');
      throw new ProblemException('unavailable', 'The queue is unavailable (Redis does not answer); nothing was accepted. Retry shortly.');
    }
    this.logs.write({ level: 'info', message: `run queued (${trigger.type})`, workflowId: workflow.id, runId, jobId: runId, actorId: trigger.actorId ?? null, payload: { trigger, requestId, queue: workflow.priority, version: definition.version } });
    return { runId, workflowId: workflow.id, status: 'queued', statusUrl: `${this.runtime.config.PUBLIC_URL}/api/v1/runs/${runId}` };
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
    const after = decodeCursor(cursor, timeIdCursor);
    return toPage(await this.repository.list(filter, limit + 1, after && { at: after[0], id: after[1] }), limit, toRunSummary);
  }
}
