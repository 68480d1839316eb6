import { QUEUE_NAMES, type QueueName, TRIGGER_TYPES, WORKFLOW_PRIORITIES } from '@visapi/contracts';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { defineJob } from './versioned-job';

/**
 * Every queue job VisAPI writes: its queue(s), its name, its BullMQ options and its payload's
 * versions. A payload carries `v`; a worker runs the current version as it is (the producer
 * wrote it), upgrades an older one through the chain below, and leaves a newer one to a worker
 * of the release that wrote it (see versioned-job.ts). To change a payload: add a schema and an
 * upgrade from the previous version, and write the new version.
 */

export { QUEUE_NAMES, type QueueName };

/** The run queues: one per workflow priority. */
export const RUN_QUEUES = WORKFLOW_PRIORITIES;
export type RunQueue = (typeof RUN_QUEUES)[number];

/**
 * Where a run's job may be in Redis: BullMQ's `<prefix>:<queue>:<job id>`, one per run queue
 * (the workflow's priority may change between a request and its repeat). A run's first job has
 * the run's id.
 */
export const jobKeys = (runId: string, prefix: string): string[] => RUN_QUEUES.map((queue) => `${prefix}:${queue}:${runId}`);

const trigger = z.object({ type: z.enum(TRIGGER_TYPES), key: z.string().optional(), actorId: z.string().optional() });

/** Version 1: the input sealed from JSON.stringify of the parsed body. */
const runJobV1 = z.object({
  v: z.literal(1),
  runId: z.uuid(),
  workflowId: z.uuid(),
  versionId: z.uuid(),
  version: z.string(),
  trigger,
  requestId: z.string().nullable(),
  /** AES-256-GCM sealed JSON, base64. */
  input: z.string(),
  triggeredAt: z.string(),
});

/**
 * Version 2: `sealedInput` is the run's input as JSON text, AES-256-GCM sealed, base64 — for a
 * JSON request the body's bytes as received (no parse and re-stringify on the way).
 */
const runJobV2 = runJobV1.omit({ v: true, input: true }).extend({ v: z.literal(2), sealedInput: z.string() });

/**
 * What a run's queue job carries. The gateway writes it and nothing else: the worker records
 * the run in PostgreSQL. The input travels encrypted.
 */
export type RunJob = z.infer<typeof runJobV2>;

/**
 * The run job as this release writes it: version 1, whose `input` holds the same sealed JSON
 * text as version 2's `sealedInput`. Workers of the previous release read only version 1, and
 * during a rolling deploy they take jobs that this release's gateways and workers write (cron
 * fires, retries, the reconciler): this release reads both and writes the old one; the next
 * release writes version 2 (expand, then contract — ADR 0008).
 */
export function runJobToWrite(job: RunJob): z.infer<typeof runJobV1> {
  const { v: _v, sealedInput, ...rest } = job;
  return { ...rest, v: 1, input: sealedInput };
}

export const runJob = defineJob({
  name: 'run',
  versions: [runJobV1, runJobV2],
  upgrades: [({ v: _, input, ...rest }: z.infer<typeof runJobV1>): RunJob => ({ ...rest, v: 2, sealedInput: input })],
  /** Attempts cover crashes and outages (PostgreSQL down); step retries are the engine's own. */
  options: {
    attempts: 30,
    backoff: { type: 'exponential', delay: 1_000 },
    // Kept only as the idempotency claim's fallback (triggers/idempotency.ts) and for a look in
    // the queue view: an hour, or the last 10,000, whichever is fewer (~2 min at the seed's 5,000
    // runs a minute); a day's worth would be gigabytes of Redis.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  } satisfies JobsOptions,
});

/** A run that fails for good, announced in Slack (runs/dead-run-alerts.ts). */
export const deadRunAlertJob = defineJob({
  name: 'dead-run-alert',
  queue: 'maintenance',
  versions: [
    z.object({
      v: z.literal(1),
      runId: z.uuid(),
      workflowId: z.uuid(),
      workflowName: z.string(),
      stepId: z.string().nullable(),
      error: z.object({ class: z.string(), message: z.string() }),
    }),
  ],
  upgrades: [],
  options: { attempts: 8, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: 1_000, removeOnFail: 1_000 } satisfies JobsOptions,
});

/** One fire of a cron trigger's job scheduler (scheduler/cron-fire.ts). */
export const cronFireJob = defineJob({
  name: 'cron-fire',
  queue: 'critical',
  versions: [z.object({ v: z.literal(1), workflowId: z.uuid(), triggerIndex: z.number().int().min(0) })],
  upgrades: [],
  /** Retried (a fire's run id derives from its time, so a retry queues the same run once). */
  options: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 100, removeOnFail: 500 } satisfies JobsOptions,
});

/** Maintenance sweeps fired by job schedulers on the maintenance queue: no payload. */
export const reconcileRunsJob = { name: 'reconcile-runs', queue: 'maintenance', options: { removeOnComplete: 100, removeOnFail: 100 } } as const;
export const retentionJob = { name: 'retention', queue: 'maintenance', options: { removeOnComplete: 30, removeOnFail: 30 } } as const;

/**
 * One bulk DLQ replay (runs/dlq-replays.service.ts), its job id the replay's id. Its progress is
 * in PostgreSQL, so a retry — after a crash, an outage, a worker killed mid-replay — continues
 * with the runs not yet done.
 */
export const dlqReplayJob = defineJob({
  name: 'dlq-replay',
  queue: 'maintenance',
  versions: [z.object({ v: z.literal(1), replayId: z.uuid() })],
  upgrades: [],
  options: { attempts: 20, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: 100, removeOnFail: 500 } satisfies JobsOptions,
});
