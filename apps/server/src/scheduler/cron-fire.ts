import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { LogService } from '../logs/log-write.service';
import { ProblemException } from '../platform/http/problem';
import { JobHandlers } from '../queues/job-handlers';
import { RunsService } from '../runs/runs.service';
import { idempotentRunId } from '../triggers/idempotency';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { CRON_FIRE_JOB } from './cron-schedules';

const fireSchema = z.object({ v: z.literal(1), workflowId: z.uuid(), triggerIndex: z.number().int().min(0) });

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
    private readonly runs: RunsService,
    private readonly logs: LogService,
  ) {}

  onModuleInit() {
    this.handlers.register('critical', CRON_FIRE_JOB, (job) => this.fire(job));
  }

  async fire(job: Job): Promise<{ runId?: string; skipped?: string }> {
    const parsed = fireSchema.safeParse(job.data);
    if (!parsed.success) return { skipped: 'unknown job shape' };
    const { workflowId, triggerIndex } = parsed.data;
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
