import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { asStepError } from '../engine/errors';
import { StepRegistry } from '../engine/step-types';
import { redactText } from '../logs/redaction';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { deadRunAlertJob } from '../queues/job-catalog';
import { JobHandlers } from '../queues/job-handlers';
import { QueuesService } from '../queues/queues.service';

type AlertJob = ReturnType<typeof deadRunAlertJob.read>;

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
    @Inject(CONFIG) private readonly config: Pick<Config, 'SLACK_ALERTS_CHANNEL' | 'PUBLIC_URL'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly handlers: JobHandlers,
    private readonly queues: QueuesService,
    private readonly registry: StepRegistry,
  ) {}

  onModuleInit() {
    this.handlers.register(deadRunAlertJob.queue!, deadRunAlertJob.name, (job) => this.post(job.data, job.attemptsMade + 1));
  }

  /** Queues the alert; never throws (the run is dead either way). */
  async announce(alert: Omit<AlertJob, 'v'>): Promise<void> {
    if (!this.config.SLACK_ALERTS_CHANNEL) return;
    try {
      await this.queues.add(deadRunAlertJob.queue!, deadRunAlertJob.name, { v: 1, ...alert } satisfies AlertJob, deadRunAlertJob.options);
    } catch (error) {
      this.logger.error({ err: error, runId: alert.runId }, 'could not queue the dead-run alert');
    }
  }

  private async post(data: unknown, attempt: number): Promise<unknown> {
    const alert = deadRunAlertJob.read(data);
    const channel = this.config.SLACK_ALERTS_CHANNEL;
    if (!channel) return { skipped: 'SLACK_ALERTS_CHANNEL is not set' };
    const link = `${this.config.PUBLIC_URL}/runs/${alert.runId}`;
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
