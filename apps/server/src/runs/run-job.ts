import { z } from 'zod';
import { TRIGGER_TYPES } from '@visapi/contracts';

/**
 * What a run's queue job carries (schema version 1). The gateway writes it and nothing
 * else: the worker records the run in PostgreSQL. The input travels encrypted.
 */
export const runJobSchema = z.object({
  v: z.literal(1),
  runId: z.uuid(),
  workflowId: z.uuid(),
  versionId: z.uuid(),
  version: z.string(),
  trigger: z.object({ type: z.enum(TRIGGER_TYPES), key: z.string().optional(), actorId: z.string().optional() }),
  requestId: z.string().nullable(),
  /** AES-256-GCM sealed JSON, base64. */
  input: z.string(),
  triggeredAt: z.string(),
});
export type RunJob = z.infer<typeof runJobSchema>;

export const RUN_JOB_NAME = 'run';

/** Where gateways announce cancelled runs to the workers (Redis pub/sub). */
export const cancelChannel = (runtime: { redis: { key(...parts: string[]): string } }) => runtime.redis.key('runs', 'cancel');
