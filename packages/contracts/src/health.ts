import { z } from 'zod';

export const healthCheckSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'error', 'draining']),
  checks: z.object({ database: healthCheckSchema, redis: healthCheckSchema }),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type Health = z.infer<typeof healthSchema>;
