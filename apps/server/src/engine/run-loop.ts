import type { WorkflowDefinition } from '@visapi/contracts';
import { retryDelayMs } from './backoff';
import type { ItemResult, StepRunner } from './step-runner';
import type { TemplateScope } from './templating';

/** A run's error as stored and shown. */
export interface RunError {
  class: string;
  message: string;
  stepId?: string;
}

/** What the loop knows of a run when its job is delivered; a store may ask for more (RunStore's `T`). */
export interface RunTicket {
  runId: string;
  workflowId: string;
  /** The workflow version the run was triggered on. */
  versionId: string;
  triggeredAt: string;
  /** The run's input, opened. */
  input: unknown;
}

export interface StepAt {
  id: string;
  type: string;
  /** The step's index in the definition. */
  position: number;
}

/** A step as recorded by an earlier delivery of the run, outputs opened. */
export interface RecordedStep {
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  /** A succeeded step's output (what `steps.<id>` holds for the steps after it). */
  output?: unknown;
  /** A forEach step's items: those that succeeded are not run again. */
  items?: ItemResult[] | null;
}

export interface BegunRun {
  /** The run's status after begin: a finished run (succeeded, dead, cancelled) is left alone. */
  status: string;
  /** Recorded just now, with its first step already marked running (no steps recorded before). */
  fresh: boolean;
  /** The steps an earlier delivery recorded, by step id (empty for a fresh run). */
  steps: ReadonlyMap<string, RecordedStep>;
}

/** How a step attempt ended, as the store records it. Outputs arrive raw: sealing them is the store's business. */
export type StepRecord =
  | { status: 'succeeded'; output: unknown; items?: ItemResult[] }
  | { status: 'failed'; error: RunError; items?: ItemResult[] }
  | { status: 'skipped' };

/**
 * Where the loop records a run (the runs/ feature implements it over PostgreSQL; tests in
 * memory). Every call names its run and carries all it needs, with no transaction between calls,
 * so an implementation may group the writes of concurrent runs into one statement. What comes
 * next fits without changing the loop's contract: a step that waits on another queue's job is
 * one more StepRecord status (`waiting`, the job to wait for) and one more RunEnd.
 */
export interface RunStore<T extends RunTicket = RunTicket> {
  /**
   * Records the run as running — the first time together with its first step's start — or
   * marks an unfinished one running again and returns what its steps recorded.
   */
  begin(run: T, firstStep: StepAt | undefined): Promise<BegunRun>;
  /** Marks a step running; false when the run was cancelled meanwhile (nothing is written then). */
  stepStarted(runId: string, step: StepAt, attempt: number): Promise<boolean>;
  /** Records a step's outcome; `runSucceeded` says it was the last step and the run succeeded with it. */
  stepFinished(runId: string, step: StepAt, record: StepRecord, runSucceeded?: boolean): Promise<void>;
  /**
   * Records one forEach item's result as it finishes (the StepRunner waits for it before the next
   * item), so a delivery that dies mid-step re-sends at most the item in flight: begin() then
   * returns the items recorded so far in RecordedStep.items. Optional: without it items are
   * recorded only with the step's outcome. Concurrent calls (other runs' items) may be grouped.
   */
  itemFinished?(runId: string, step: StepAt, index: number, item: ItemResult): Promise<void>;
  /** Sets the run's status: `failed` while it waits for a retry, or a final one. */
  finish(runId: string, status: 'failed' | 'succeeded' | 'dead' | 'cancelled', error?: RunError): Promise<void>;
}

/** What happened, for the run's log lines (the loop's caller words them). */
export type RunEvent =
  | { type: 'run-started' }
  | { type: 'step-skipped'; step: StepAt }
  | { type: 'step-succeeded'; step: StepAt; attempt: number; durationMs: number }
  | { type: 'step-retrying'; step: StepAt; attempt: number; retries: number; delayMs: number; durationMs: number; error: RunError }
  | { type: 'step-failed'; step: StepAt; attempt: number; durationMs: number; error: RunError }
  | { type: 'run-succeeded' }
  | { type: 'run-cancelled'; stepId: string }
  | { type: 'run-dead'; error: RunError };

/** How this delivery ended: the caller schedules the retry or announces the dead run. */
export type RunEnd =
  | { status: 'succeeded' | 'cancelled' }
  /** The run had finished before this delivery (a duplicate delivery): nothing was done. */
  | { status: 'finished-before' }
  | { status: 'retry'; delayMs: number; error: RunError }
  | { status: 'dead'; error: RunError };

export interface RunLoopOptions<T extends RunTicket = RunTicket> {
  /** Applied once to every error before it is stored, logged or returned (redaction). */
  showError?: (error: RunError) => RunError;
  onEvent?: (run: T, event: RunEvent) => void;
  /** The wait before a step's retry (default: exponential with jitter, or the provider's Retry-After). */
  retryDelay?: (attempt: number, retryAfterMs?: number) => number;
}

const FINISHED = new Set(['succeeded', 'dead', 'cancelled']);

/**
 * The run loop (SPEC §6). Each step's result is stored as it finishes; a retried or resumed run
 * skips the steps that succeeded and reuses their outputs, so nothing is sent twice. A transient
 * failure ends the delivery with `retry` (the run waits, `failed`); a permanent one, or retries
 * used up, ends the run dead. Knows neither the queue nor the database: see RunStore.
 */
export class RunLoop<T extends RunTicket = RunTicket> {
  private readonly showError: (error: RunError) => RunError;
  private readonly retryDelay: (attempt: number, retryAfterMs?: number) => number;

  constructor(
    private readonly runner: StepRunner,
    private readonly store: RunStore<T>,
    private readonly options: RunLoopOptions<T> = {},
  ) {
    this.showError = options.showError ?? ((error) => error);
    this.retryDelay = options.retryDelay ?? ((attempt, retryAfterMs) => retryDelayMs(attempt, retryAfterMs));
  }

  /** Runs (or resumes) `run` under `definition` — undefined when that version no longer exists. */
  async run(run: T, definition: WorkflowDefinition | undefined, signal?: AbortSignal): Promise<RunEnd> {
    const first = definition?.steps[0];
    const begun = await this.store.begin(run, first && { id: first.id, type: first.type, position: 0 });
    if (FINISHED.has(begun.status)) return { status: 'finished-before' };
    if (!definition) return this.die(run, { class: 'permanent', message: `workflow version ${run.versionId} no longer exists` });
    if (begun.fresh) this.emit(run, { type: 'run-started' });

    const scope: TemplateScope = {
      input: run.input,
      vars: (definition.variables ?? {}) as Record<string, unknown>,
      steps: {},
      run: { id: run.runId, workflowId: run.workflowId, triggeredAt: run.triggeredAt },
    };
    const steps = definition.steps;
    for (const [position, step] of steps.entries()) {
      const at: StepAt = { id: step.id, type: step.type, position };
      const prior = begun.steps.get(step.id);
      if (prior?.status === 'succeeded') {
        scope.steps[step.id] = prior.output;
        continue;
      }
      if (prior?.status === 'skipped') continue;

      const attempt = (prior?.attempts ?? 0) + 1;
      // A fresh run's first step was marked running by begin().
      const startedByBegin = begun.fresh && position === 0;
      if (!startedByBegin && !(await this.store.stepStarted(run.runId, at, attempt))) return { status: 'cancelled' };
      const started = performance.now();
      const itemFinished = this.store.itemFinished && ((index: number, item: ItemResult) => this.store.itemFinished!(run.runId, at, index, this.shownItem(item)));
      const outcome = await this.runner.attempt(step, scope, { runId: run.runId, attempt, previousItems: prior?.items, signal, itemFinished });
      const durationMs = Math.round(performance.now() - started);

      if (outcome.status === 'skipped') {
        await this.store.stepFinished(run.runId, at, { status: 'skipped' });
        this.emit(run, { type: 'step-skipped', step: at });
        continue;
      }
      if (outcome.status === 'succeeded') {
        const last = position === steps.length - 1;
        await this.store.stepFinished(run.runId, at, { status: 'succeeded', output: outcome.output, items: outcome.items }, last);
        scope.steps[step.id] = outcome.output;
        this.emit(run, { type: 'step-succeeded', step: at, attempt, durationMs });
        if (last) return this.succeeded(run);
        continue;
      }

      // Shown once, here: the step, the run, the logs and the caller all get this copy.
      const error = this.showError({ ...outcome.error.toJSON(), stepId: step.id });
      await this.store.stepFinished(run.runId, at, { status: 'failed', error, items: outcome.items?.map((item) => this.shownItem(item)) });
      if (outcome.error.errorClass === 'cancelled') {
        await this.store.finish(run.runId, 'cancelled', error);
        this.emit(run, { type: 'run-cancelled', stepId: step.id });
        return { status: 'cancelled' };
      }
      const retries = step.retries ?? 3;
      if (outcome.error.retryable && attempt <= retries) {
        const delayMs = this.retryDelay(attempt, outcome.error.retryAfterMs);
        await this.store.finish(run.runId, 'failed', error);
        this.emit(run, { type: 'step-retrying', step: at, attempt, retries, delayMs, durationMs, error });
        return { status: 'retry', delayMs, error };
      }
      this.emit(run, { type: 'step-failed', step: at, attempt, durationMs, error });
      return this.die(run, error);
    }
    // Resumed after the last step, or the last steps were skipped: nothing finished the run yet.
    await this.store.finish(run.runId, 'succeeded');
    return this.succeeded(run);
  }

  /** A failed item's error, shown (showError) before it is stored: once, as it is recorded. */
  private shownItem(item: ItemResult): ItemResult {
    return item.error ? { ...item, error: this.showError(item.error) } : item;
  }

  private succeeded(run: T): RunEnd {
    this.emit(run, { type: 'run-succeeded' });
    return { status: 'succeeded' };
  }

  private async die(run: T, error: RunError): Promise<RunEnd> {
    await this.store.finish(run.runId, 'dead', error);
    this.emit(run, { type: 'run-dead', error });
    return { status: 'dead', error };
  }

  private emit(run: T, event: RunEvent) {
    this.options.onEvent?.(run, event);
  }
}
