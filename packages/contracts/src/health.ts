import { z } from 'zod';

export const healthCheckSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});

/** A setting of a dependency that puts data at risk: reported, without failing readiness (SPEC §1). */
export const healthWarningSchema = z.object({
  check: z.enum(['redis']),
  setting: z.string(),
  value: z.string(),
  message: z.string(),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'error', 'draining']),
  checks: z.object({ database: healthCheckSchema, redis: healthCheckSchema }),
  warnings: z.array(healthWarningSchema).optional(),
});
export type HealthWarning = z.infer<typeof healthWarningSchema>;
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type Health = z.infer<typeof healthSchema>;
