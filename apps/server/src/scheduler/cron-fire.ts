import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import { LogService } from '../logs/log-write.service';
import { ProblemException } from '../platform/http/problem';
import { cronFireJob } from '../queues/job-catalog';
import { NewerJobVersionError } from '../queues/versioned-job';
import { JobHandlers } from '../queues/job-handlers';
import { RunProducer } from '../runs/run-producer';
import { idempotentRunId } from '../triggers/idempotency';
import { WorkflowCatalog } from '../workflows/workflow-catalog';

/**
 * A job scheduler's fire becomes one run. BullMQ gives each fire one job (its id holds the fire
 * time), whichever worker takes it; the run id is derived from scheduler and fire time, so even
 * a fire job processed twice (a stalled worker) queues the same run, once.
 */
@Injectable()
export class CronFire implements OnModuleInit {
  constructor(
    private readonly handlers: JobHandlers,
    private readonly catalog: WorkflowCatalog,
    private readonly runs: RunProducer,
    private readonly logs: LogService,
  ) {}

  onModuleInit() {
    this.handlers.register(cronFireJob.queue!, cronFireJob.name, (job) => this.fire(job));
  }

  async fire(job: Job): Promise<{ runId?: string; skipped?: string }> {
    let fire: ReturnType<typeof cronFireJob.read>;
    try {
      fire = cronFireJob.read(job.data);
    } catch (error) {
      // A newer release's fire is retried until one of its workers takes it (ADR 0008).
      if (error instanceof NewerJobVersionError) throw error;
      return { skipped: 'unknown job shape' };
    }
    const { workflowId, triggerIndex } = fire;
    const schedulerId = job.repeatJobKey ?? String(job.id);
    const firedAt = job.opts.prevMillis ?? job.timestamp;
    const entry = await this.catalog.get(workflowId);
    const trigger = entry?.definition.triggers?.[triggerIndex];
    if (!entry || !entry.workflow.enabled || entry.workflow.archived_at || trigger?.type !== 'cron') {
      // The reconciler removes the scheduler; this one fire is dropped.
      return { skipped: 'the workflow or its cron trigger is gone' };
    }
    const jitterMs = Math.floor(Math.random() * (trigger.jitterSeconds ?? 0) * 1000);
    try {
      const accepted = await this.runs.enqueue({
        entry,
        input: trigger.payload ?? {},
        trigger: { type: 'cron', key: trigger.schedule },
        requestId: null,
        runId: idempotentRunId(`cron:${schedulerId}`, String(firedAt)),
        delayMs: jitterMs,
        triggeredAt: new Date(firedAt).toISOString(),
      });
      return { runId: accepted.runId };
    } catch (error) {
      if (error instanceof ProblemException && error.kind === 'unprocessable') {
        this.logs.write({ level: 'error', message: 'cron trigger payload does not match the inputSchema; no run', workflowId, payload: { schedulerId, errors: error.errors } });
        return { skipped: 'payload refused by inputSchema' };
      }
      throw error;
    }
  }
}
