import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { asStepError } from '../engine/errors';
import { StepRegistry } from '../engine/step-types';
import { redactText } from '../logs/redaction';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { JobHandlers } from '../queues/job-handlers';
import { QueuesService } from '../queues/queues.service';

export const DEAD_RUN_ALERT_JOB = 'dead-run-alert';

const alertJobSchema = z.object({
  v: z.literal(1),
  runId: z.uuid(),
  workflowId: z.uuid(),
  workflowName: z.string(),
  stepId: z.string().nullable(),
  error: z.object({ class: z.string(), message: z.string() }),
});
type AlertJob = z.infer<typeof alertJobSchema>;

/**
 * SPEC §6: a run that fails for good is announced in SLACK_ALERTS_CHANNEL (workflow, run id,
 * failed step, error, link to the run) through the `slack.send` connector — so a sandboxed
 * Slack puts the alert in the outbox. The alert is its own queue job with retries, so a Slack
 * outage delays it rather than losing it. The run loop hands over the redacted error (so the
 * job in Redis holds no PII either); it is redacted again when posted, for jobs queued before.
 */
@Injectable()
export class DeadRunAlerts implements OnModuleInit {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly handlers: JobHandlers,
    private readonly queues: QueuesService,
    private readonly registry: StepRegistry,
  ) {}

  onModuleInit() {
    this.handlers.register('maintenance', DEAD_RUN_ALERT_JOB, (job) => this.post(job.data, job.attemptsMade + 1));
  }

  /** Queues the alert; never throws (the run is dead either way). */
  async announce(alert: Omit<AlertJob, 'v'>): Promise<void> {
    if (!this.runtime.config.SLACK_ALERTS_CHANNEL) return;
    try {
      await this.queues.add('maintenance', DEAD_RUN_ALERT_JOB, { v: 1, ...alert } satisfies AlertJob, {
        attempts: 8,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: 1_000,
        removeOnFail: 1_000,
      });
    } catch (error) {
      this.runtime.logger.error({ err: error, runId: alert.runId }, 'could not queue the dead-run alert');
    }
  }

  private async post(data: unknown, attempt: number): Promise<unknown> {
    const parsed = alertJobSchema.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError('dead-run alert job has an unknown shape');
    const alert = parsed.data;
    const channel = this.runtime.config.SLACK_ALERTS_CHANNEL;
    if (!channel) return { skipped: 'SLACK_ALERTS_CHANNEL is not set' };
    const link = `${this.runtime.config.PUBLIC_URL}/runs/${alert.runId}`;
    const step = alert.stepId ? `step \`${alert.stepId}\` failed` : 'the run failed';
    const text = `:rotating_light: Dead run in *${alert.workflowName}*: ${step} (${alert.error.class}): ${redactText(alert.error.message)}\nRun ${alert.runId} — ${link}`;
    const signal = AbortSignal.timeout(30_000);
    try {
      return await this.registry.get('slack.send')!.execute({ channel, text }, { signal, runId: alert.runId, stepId: 'dead-run-alert', attempt });
    } catch (error) {
      const stepError = asStepError(error);
      if (!stepError.retryable) throw new UnrecoverableError(stepError.message);
      throw stepError;
    }
  }
}
