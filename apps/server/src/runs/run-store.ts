import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { BegunRun, RecordedStep, RunError, RunStore, RunTicket, StepAt, StepRecord } from '../engine/run-loop';
import type { ItemResult } from '../engine/step-runner';
import { EventsPublisher } from '../events/event-publisher';
import { redact } from '../logs/redaction';
import type { DataCipher } from '../platform/crypto/encryption';
import { isDatabaseUnavailable } from '../platform/db/unavailable';
import { CIPHER } from '../platform/platform.module';
import type { RunJob } from '../queues/job-catalog';
import { toRunSummary } from './run-view';
import { GroupedWrites } from './grouped-writes';
import { type BeginRow, type ItemRow, type LastStepRow, RunsRepository, type RunRow, type RunSummaryRow } from './runs.repository';
import { mergeItems, openItems, openOutput, sealItem, sealStepResult } from './step-results';

/** One delivery of a run's job, as the worker hands it to the run loop. */
export interface RunDelivery extends RunTicket {
  job: RunJob;
  queue: string;
  jobId: string;
  /** The input as it travelled, stored as it is. */
  sealedInput: Buffer;
  /**
   * No earlier delivery can have recorded the run (its first job, first start): only then is
   * the redacted input computed — a redelivery finds it stored.
   */
  firstDelivery: boolean;
}

const FINISHED = new Set(['succeeded', 'dead', 'cancelled']);
/** How long a step's result is held while the database cannot be reached (see durably). */
export const DURABLE_WRITE_MAX_MS = 5 * 60_000;

/**
 * The run loop's store over PostgreSQL (RunsRepository): outputs sealed with the data key,
 * redacted copies in the plain columns (step-results.ts); one statement per call on the hot path.
 * The hot path's writes of concurrent runs — their begin, their last step's success, and forEach
 * items as each finishes — are grouped into one statement each (GroupedWrites): one round trip
 * and one commit for many runs instead of one each.
 */
@Injectable()
export class PostgresRunStore implements RunStore<RunDelivery> {
  private readonly items: GroupedWrites<ItemRow>;
  private readonly begins: GroupedWrites<BeginRow, RunRow & { fresh: boolean }>;
  private readonly lastSteps: GroupedWrites<LastStepRow, RunSummaryRow | undefined>;

  constructor(
    private readonly repository: RunsRepository,
    @Inject(CIPHER) private readonly cipher: DataCipher,
    private readonly events: EventsPublisher,
  ) {
    // A group is written again row by row only when PostgreSQL refused it, not when it is out of reach.
    const refused = (error: unknown) => !isDatabaseUnavailable(error);
    this.items = new GroupedWrites((rows) => this.repository.itemsFinished(rows), 500, refused);
    this.begins = new GroupedWrites((rows) => this.repository.begin(rows), 500, refused);
    // The runs come back only while someone watches the live events.
    this.lastSteps = new GroupedWrites((rows) => this.repository.lastStepsSucceeded(rows, this.events.listening), 500, refused);
  }

  async begin(run: RunDelivery, firstStep: StepAt | undefined): Promise<BegunRun> {
    const redacted = run.firstDelivery ? redact(run.input) : undefined;
    const row = await this.begins.add({ job: run.job, queue: run.queue, jobId: run.jobId, inputEncrypted: run.sealedInput, inputRedacted: redacted, firstStep });
    if (!FINISHED.has(row.status)) this.updated(row);
    // The first delivery died before recording the run (or before its redacted copy was written):
    // a later one fills the copy in.
    if (!run.firstDelivery && row.input_redacted === null) await this.repository.setRedactedInput(row.id, redact(run.input));
    if (row.fresh || FINISHED.has(row.status)) return { status: row.status, fresh: row.fresh, steps: new Map() };
    const [progress, recorded] = await Promise.all([this.repository.progress(row.id), this.repository.itemsInProgress(row.id)]);
    const steps = new Map<string, RecordedStep>();
    for (const s of progress) {
      const succeeded = s.status === 'succeeded';
      steps.set(s.step_id, {
        status: s.status,
        attempts: s.attempts,
        output: succeeded ? openOutput(this.cipher, s) : undefined,
        items: succeeded ? undefined : mergeItems(this.cipher, openItems(this.cipher, s), recorded.filter((r) => r.step_id === s.step_id)),
      });
    }
    return { status: row.status, fresh: false, steps };
  }

  /**
   * What a step did is written after it did it: while the database cannot be reached, the write
   * is retried (BullMQ keeps the job's lock meanwhile) instead of failing the delivery, whose
   * retry would send the step again (issue 16, game day: PostgreSQL stopped under load). Bounded,
   * so an outage longer than that ends the delivery and the job is retried later as before.
   */
  private async durably<R>(write: () => Promise<R>): Promise<R> {
    const deadline = Date.now() + DURABLE_WRITE_MAX_MS;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        return await write();
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() + delayMs > deadline) throw error;
      }
      await sleep(delayMs);
    }
  }

  stepStarted(runId: string, step: StepAt, attempt: number): Promise<boolean> {
    return this.repository.stepStarted(runId, step.id, step.position, step.type, attempt);
  }

  async stepFinished(runId: string, step: StepAt, record: StepRecord, runSucceeded = false): Promise<void> {
    if (record.status === 'skipped') return this.repository.stepSkipped(runId, step.id, step.position, step.type);
    const stored = sealStepResult(this.cipher, record);
    // A forEach step's outcome (its items) replaces the items recorded one by one.
    const forEach = record.items !== undefined;
    if (runSucceeded) return this.updated(await this.durably(() => this.lastSteps.add({ runId, stepId: step.id, result: stored, forEach })));
    return this.durably(() => this.repository.stepFinished(runId, step.id, record.status, stored, forEach));
  }

  itemFinished(runId: string, step: StepAt, index: number, item: ItemResult): Promise<void> {
    const row = { runId, stepId: step.id, index, ...sealItem(this.cipher, item) };
    return this.durably(() => this.items.add(row));
  }

  async finish(runId: string, status: 'failed' | 'succeeded' | 'dead' | 'cancelled', error?: RunError): Promise<void> {
    this.updated(await this.repository.finish(runId, status, error ?? null, this.events.listening));
  }

  /** `run.updated` (SPEC §9): the statements return the run only while someone watches. */
  private updated(row: RunSummaryRow | undefined): void {
    if (row) this.events.publish('run.updated', toRunSummary(row));
  }
}
