import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { retryDelayMs } from '../engine/backoff';
import { StepRunner } from '../engine/step-runner';
import { StepRegistry } from '../engine/step-types';
import { TemplateRenderer, type TemplateScope } from '../engine/templating';
import { LogService } from '../logs/log-write.service';
import { redact } from '../logs/redaction';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { JobHandlers } from '../queues/job-handlers';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { DeadRunAlerts } from './dead-run-alerts';
import { cancelChannel, RUN_JOB_NAME, type RunJob, runJobSchema } from './run-job';
import { type RunRow, RunsRepository } from './runs.repository';
import { openItems, openOutput, redactError, type RunError, sealStepResult } from './step-results';

const TERMINAL = new Set(['succeeded', 'dead', 'cancelled']);

/**
 * The worker's run loop (SPEC §6). Each step's result is stored as it finishes; a retried
 * or resumed run skips the steps that succeeded and reuses their outputs, so nothing is sent
 * twice. A transient failure puts the job back as a delayed job (backoff with jitter); a
 * permanent one, or retries used up, moves the run to the dead-letter state.
 */
@Injectable()
export class RunExecutor implements OnModuleInit {
  private readonly runner: StepRunner;
  /** Runs executing here, so a cancel published by a gateway can abort the step in flight. */
  private readonly active = new Map<string, AbortController>();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly handlers: JobHandlers,
    private readonly catalog: WorkflowCatalog,
    private readonly repository: RunsRepository,
    private readonly logs: LogService,
    registry: StepRegistry,
    private readonly alerts: DeadRunAlerts,
  ) {
    this.runner = new StepRunner(registry, new TemplateRenderer());
  }

  onModuleInit() {
    for (const queue of ['critical', 'default', 'bulk'] as const) {
      this.handlers.register(queue, RUN_JOB_NAME, (job, token) => this.execute(job, token));
    }
    const subscriber = this.runtime.redis.create('blocking', 'visapi:runs:cancel');
    const channel = cancelChannel(this.runtime);
    subscriber.on('message', (from: string, runId: string) => {
      if (from === channel) this.active.get(runId)?.abort();
    });
    subscriber.subscribe(channel).catch((error: unknown) => this.runtime.logger.warn({ err: error }, 'cannot hear run cancellations; cancelled runs stop at their next step'));
  }

  async execute(job: Job, token?: string): Promise<void> {
    const runId = (job.data as { runId?: string })?.runId ?? String(job.id);
    const controller = new AbortController();
    this.active.set(runId, controller);
    try {
      await this.executeRun(job, controller.signal, token);
    } finally {
      this.active.delete(runId);
    }
  }

  private async executeRun(job: Job, signal: AbortSignal, token?: string): Promise<void> {
    const parsed = runJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`run job ${job.id} has an unknown shape (schema version ${(job.data as { v?: unknown })?.v})`);
    const data = parsed.data;
    const sealed = Buffer.from(data.input, 'base64');
    const input = this.runtime.cipher.decryptJson(sealed);
    const definition = await this.catalog.version(data.versionId);
    const first = definition?.steps[0];
    const run = await this.repository.begin(data, job.queueName, String(job.id), sealed, redact(input), first && { id: first.id, type: first.type });
    if (TERMINAL.has(run.status)) return;
    if (!definition) {
      await this.die(run, data, undefined, { class: 'permanent', message: `workflow version ${data.versionId} no longer exists` });
      return;
    }
    if (run.fresh) this.log(data, 'info', 'run started', { version: data.version, queue: job.queueName });

    const scope: TemplateScope = {
      input,
      vars: (definition.variables ?? {}) as Record<string, unknown>,
      steps: {},
      run: { id: run.id, workflowId: run.workflow_id, triggeredAt: data.triggeredAt },
    };
    // A run recorded just now has no steps yet: no need to ask.
    const done = new Map(run.fresh ? [] : (await this.repository.progress(run.id)).map((s) => [s.step_id, s]));
    const cipher = this.runtime.cipher;

    for (const [position, step] of definition.steps.entries()) {
      const prior = done.get(step.id);
      if (prior?.status === 'succeeded') {
        scope.steps[step.id] = openOutput(cipher, prior);
        continue;
      }
      if (prior?.status === 'skipped') continue;

      const attempt = (prior?.attempts ?? 0) + 1;
      // A fresh run's first step was marked running by begin().
      const startedByBegin = run.fresh && position === 0;
      if (!startedByBegin && !(await this.repository.stepStarted(run.id, step.id, position, step.type, attempt))) return; // cancelled
      const started = performance.now();
      const outcome = await this.runner.attempt(step, scope, { runId: run.id, attempt, previousItems: prior && openItems(cipher, prior), signal });
      const durationMs = Math.round(performance.now() - started);

      if (outcome.status === 'skipped') {
        await this.repository.stepSkipped(run.id, step.id, position, step.type);
        this.log(data, 'info', `step ${step.id} skipped`, { stepId: step.id, type: step.type });
        continue;
      }
      if (outcome.status === 'succeeded') {
        const last = position === definition.steps.length - 1;
        const stored = sealStepResult(cipher, { output: outcome.output, items: outcome.items }, true);
        if (last) await this.repository.lastStepSucceeded(run.id, step.id, stored);
        else await this.repository.stepFinished(run.id, step.id, 'succeeded', stored);
        scope.steps[step.id] = outcome.output;
        this.log(data, 'info', `step ${step.id} succeeded`, { stepId: step.id, type: step.type, attempt, durationMs });
        if (last) {
          this.log(data, 'info', 'run succeeded', {});
          return;
        }
        continue;
      }

      // Redacted once, here: the step, the run, the logs and the dead-run alert all get this copy.
      const error = redactError({ ...outcome.error.toJSON(), stepId: step.id });
      await this.repository.stepFinished(run.id, step.id, 'failed', { ...sealStepResult(cipher, { items: outcome.items }, false), error });
      if (outcome.error.errorClass === 'cancelled') {
        await this.repository.finish(run.id, 'cancelled', error);
        this.log(data, 'info', 'run cancelled', { stepId: step.id });
        return;
      }
      const retries = step.retries ?? 3;
      if (outcome.error.retryable && attempt <= retries) {
        const delayMs = retryDelayMs(attempt, outcome.error.retryAfterMs);
        await this.repository.finish(run.id, 'failed', error);
        this.log(data, 'warn', `step ${step.id} failed (${error.class}); retry ${attempt} of ${retries} in ${delayMs} ms`, { stepId: step.id, type: step.type, attempt, durationMs, errorClass: error.class, error: error.message });
        if (!token) throw new Error('cannot schedule a retry without the job token');
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      this.log(data, 'error', `step ${step.id} failed (${error.class}) after ${attempt} attempt(s)`, { stepId: step.id, type: step.type, attempt, durationMs, errorClass: error.class, error: error.message });
      await this.die(run, data, definition.name, error);
      return;
    }
    await this.repository.finish(run.id, 'succeeded');
    this.log(data, 'info', 'run succeeded', {});
  }

  private async die(run: RunRow, data: RunJob, workflowName: string | undefined, error: RunError) {
    await this.repository.finish(run.id, 'dead', error);
    this.log(data, 'error', 'run moved to the dead-letter queue', { error });
    await this.alerts.announce({
      runId: run.id,
      workflowId: run.workflow_id,
      workflowName: workflowName ?? (await this.catalog.get(run.workflow_id))?.workflow.name ?? run.workflow_id,
      stepId: error.stepId ?? null,
      error: { class: error.class, message: error.message },
    });
  }

  private log(data: RunJob, level: 'info' | 'warn' | 'error', message: string, payload: Record<string, unknown>) {
    this.logs.write({ level, message, workflowId: data.workflowId, runId: data.runId, jobId: data.runId, payload });
  }
}
