import { z } from 'zod';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
export const TRIGGER_TYPES = ['webhook', 'cron', 'manual', 'replay'] as const;

export const runErrorSchema = z.object({ class: z.enum(['transient', 'permanent', 'timeout', 'cancelled']), message: z.string(), stepId: z.string().optional() });

export const runStepSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(STEP_STATUSES),
  attempts: z.number().int(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  output: z.unknown(),
  error: runErrorSchema.nullable(),
});

export const runSchema = z.object({
  id: z.uuid(),
  workflowId: z.uuid(),
  workflowVersion: z.string(),
  status: z.enum(RUN_STATUSES),
  trigger: z.object({ type: z.enum(TRIGGER_TYPES), key: z.string().optional(), actorId: z.string().optional() }),
  requestId: z.string().nullable(),
  input: z.unknown(),
  attempts: z.number().int(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  error: runErrorSchema.nullable(),
  steps: z.array(runStepSchema),
});
export type Run = z.infer<typeof runSchema>;
export const runSummarySchema = runSchema.omit({ steps: true, input: true });
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runsQuerySchema = z
  .object({
    workflowId: z.uuid().optional(),
    status: z.enum(RUN_STATUSES).optional(),
    triggerType: z.enum(TRIGGER_TYPES).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type RunsQuery = z.infer<typeof runsQuerySchema>;

/** 202 for every trigger (SPEC §5.1). */
export const triggerAcceptedSchema = z.object({
  runId: z.uuid(),
  workflowId: z.uuid(),
  status: z.literal('queued'),
  statusUrl: z.string(),
});
export type TriggerAccepted = z.infer<typeof triggerAcceptedSchema>;

/** POST /dlq/replay: exactly one selector. */
export const replaySchema = z
  .object({
    runIds: z.array(z.uuid()).min(1).max(1000).optional(),
    workflowId: z.uuid().optional(),
    all: z.literal(true).optional(),
  })
  .strict()
  .refine((v) => [v.runIds, v.workflowId, v.all].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of runIds, workflowId or all: true',
  });

/** GET /runs/stats: what the Overview charts (SPEC §11). */
export const runStatsQuerySchema = z
  .object({ minutes: z.coerce.number().int().min(5).max(1440).default(60) })
  .strict();
export type RunStatsQuery = z.infer<typeof runStatsQuerySchema>;

const FINISHED_COUNTS = { succeeded: z.number().int(), dead: z.number().int(), cancelled: z.number().int() };
export const runStatsSchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  /** One per minute of the window, oldest first, runs counted by the minute they were created or finished. */
  buckets: z.array(z.object({ at: z.iso.datetime(), created: z.number().int(), ...FINISHED_COUNTS, failed: z.number().int() })),
  totals: z.object({
    created: z.number().int(),
    ...FINISHED_COUNTS,
    /** Attempts that failed and will retry (status `failed` at some point in the window). */
    failed: z.number().int(),
    /** succeeded / (succeeded + dead) over the window; null when nothing finished. */
    successRate: z.number().min(0).max(1).nullable(),
  }),
  /** Enqueue (created) → finish of runs that succeeded in the window. */
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), count: z.number().int() }),
  /** The newest dead or failed runs, newest first (at most 10). */
  recentFailures: z.array(runSummarySchema),
});
export type RunStats = z.infer<typeof runStatsSchema>;

/** POST /dlq/replays → 202 and GET /dlq/replays/{id}: a bulk replay done in the background. */
export const DLQ_REPLAY_STATUSES = ['queued', 'running', 'finished', 'failed'] as const;
export const dlqReplaySchema = z.object({
  id: z.uuid(),
  status: z.enum(DLQ_REPLAY_STATUSES),
  /** The dead runs the selector matched when the replay started; null until then. */
  total: z.number().int().nullable(),
  replayed: z.number().int(),
  /** Runs no longer dead when their turn came (replayed or cancelled meanwhile). */
  skipped: z.number().int(),
  error: z.string().nullable(),
  actorId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type DlqReplay = z.infer<typeof dlqReplaySchema>;
