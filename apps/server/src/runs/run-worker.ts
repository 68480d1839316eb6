import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { type RunEvent, RunLoop } from '../engine/run-loop';
import { StepRunner } from '../engine/step-runner';
import { StepRegistry } from '../engine/step-types';
import { TemplateRenderer } from '../engine/templating';
import { LogService } from '../logs/log-write.service';
import { Metrics, type RunOutcome } from '../metrics/metrics';
import type { DataCipher } from '../platform/crypto/encryption';
import { CIPHER } from '../platform/platform.module';
import { RUN_QUEUES, type RunJob, runJob } from '../queues/job-catalog';
import { JobHandlers } from '../queues/job-handlers';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { DeadRunAlerts } from './dead-run-alerts';
import { RunCancellations } from './run-cancellations';
import { PostgresRunStore, type RunDelivery } from './run-store';
import { redactError } from './step-results';

const RUN_OUTCOME: Record<'succeeded' | 'cancelled' | 'retry' | 'dead', RunOutcome> = { succeeded: 'succeeded', cancelled: 'cancelled', retry: 'failed', dead: 'dead' };

/**
 * Runs `run` jobs (roles worker and all): reads the job (upgrading an older version), opens its
 * input and hands the run to the engine's RunLoop over PostgreSQL; then schedules the retry the
 * loop asked for (the job goes back delayed) or announces the dead run. A cancel published by a
 * gateway aborts the step in flight.
 */
@Injectable()
export class RunWorker implements OnModuleInit {
  private readonly loop: RunLoop<RunDelivery>;
  /** Runs executing here, so a cancel can abort the step in flight. */
  private readonly active = new Map<string, AbortController>();

  constructor(
    private readonly handlers: JobHandlers,
    private readonly catalog: WorkflowCatalog,
    private readonly logs: LogService,
    private readonly alerts: DeadRunAlerts,
    private readonly cancellations: RunCancellations,
    private readonly metrics: Metrics,
    @Inject(CIPHER) private readonly cipher: DataCipher,
    store: PostgresRunStore,
    registry: StepRegistry,
    renderer: TemplateRenderer,
  ) {
    this.loop = new RunLoop(new StepRunner(registry, renderer), store, {
      showError: redactError,
      onEvent: (run, event) => {
        this.count(run.job, run.queue, event);
        this.log(run.job, run.queue, event);
      },
    });
  }

  onModuleInit() {
    for (const queue of RUN_QUEUES) this.handlers.register(queue, runJob.name, (job, token) => this.execute(job, token));
    this.cancellations.listen((runId) => this.active.get(runId)?.abort());
  }

  async execute(job: Job, token?: string): Promise<void> {
    const data = runJob.read(job.data);
    const controller = new AbortController();
    this.active.set(data.runId, controller);
    try {
      await this.executeRun(job, data, controller.signal, token);
    } finally {
      this.active.delete(data.runId);
    }
  }

  private async executeRun(job: Job, data: RunJob, signal: AbortSignal, token?: string): Promise<void> {
    const sealedInput = Buffer.from(data.sealedInput, 'base64');
    const delivery: RunDelivery = {
      runId: data.runId,
      workflowId: data.workflowId,
      versionId: data.versionId,
      triggeredAt: data.triggeredAt,
      input: this.cipher.decryptJson(sealedInput),
      job: data,
      queue: job.queueName,
      jobId: String(job.id),
      sealedInput,
      firstDelivery: job.id === data.runId && job.attemptsStarted <= 1,
    };
    const definition = await this.catalog.version(data.versionId);
    const end = await this.loop.run(delivery, definition, signal);
    if (end.status !== 'finished-before') this.metrics.runOutcomes.inc({ queue: job.queueName, status: RUN_OUTCOME[end.status] });
    if (end.status === 'retry') {
      if (!token) throw new Error('cannot schedule a retry without the job token');
      await job.moveToDelayed(Date.now() + end.delayMs, token);
      throw new DelayedError();
    }
    if (end.status === 'dead') {
      await this.alerts.announce({
        runId: data.runId,
        workflowId: data.workflowId,
        workflowName: definition?.name ?? (await this.catalog.get(data.workflowId))?.workflow.name ?? data.workflowId,
        stepId: end.error.stepId ?? null,
        error: { class: end.error.class, message: end.error.message },
      });
    }
  }

  /** job_fail_total: every failed step attempt, and a run that dies before any step (its version is gone). */
  private count(data: RunJob, queue: string, event: RunEvent) {
    if (event.type === 'step-retrying' || event.type === 'step-failed') this.metrics.stepFailed(queue, data.workflowId, event.step.type, event.error.class);
    else if (event.type === 'run-dead' && event.error.stepId === undefined) this.metrics.stepFailed(queue, data.workflowId, 'none', event.error.class);
  }

  /** The run's log lines, as the run loop's events. */
  private log(data: RunJob, queue: string, event: RunEvent) {
    const write = (level: 'info' | 'warn' | 'error', message: string, payload: Record<string, unknown>) =>
      this.logs.write({ level, message, workflowId: data.workflowId, runId: data.runId, jobId: data.runId, payload });
    switch (event.type) {
      case 'run-started':
        return write('info', 'run started', { version: data.version, queue });
      case 'step-skipped':
        return write('info', `step ${event.step.id} skipped`, { stepId: event.step.id, type: event.step.type });
      case 'step-succeeded':
        return write('info', `step ${event.step.id} succeeded`, { stepId: event.step.id, type: event.step.type, attempt: event.attempt, durationMs: event.durationMs });
      case 'step-retrying': {
        const { step, error } = event;
        return write('warn', `step ${step.id} failed (${error.class}); retry ${event.attempt} of ${event.retries} in ${event.delayMs} ms`, {
          stepId: step.id, type: step.type, attempt: event.attempt, durationMs: event.durationMs, errorClass: error.class, error: error.message,
        });
      }
      case 'step-failed': {
        const { step, error } = event;
        return write('error', `step ${step.id} failed (${error.class}) after ${event.attempt} attempt(s)`, {
          stepId: step.id, type: step.type, attempt: event.attempt, durationMs: event.durationMs, errorClass: error.class, error: error.message,
        });
      }
      case 'run-succeeded':
        return write('info', 'run succeeded', {});
      case 'run-cancelled':
        return write('info', 'run cancelled', { stepId: event.stepId });
      case 'run-dead':
        return write('error', 'run moved to the dead-letter queue', { error: event.error });
    }
  }
}
