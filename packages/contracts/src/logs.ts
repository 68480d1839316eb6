import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logEntrySchema = z.object({
  id: z.string(),
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  workflowId: z.string().nullable(),
  runId: z.string().nullable(),
  jobId: z.string().nullable(),
  actorId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).nullable(),
  piiRedacted: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const logsQuerySchema = z
  .object({
    level: z.enum(LOG_LEVELS).optional(),
    workflowId: z.uuid().optional(),
    runId: z.uuid().optional(),
    jobId: z.string().min(1).max(200).optional(),
    actorId: z.uuid().optional(),
    q: z.string().trim().min(1).max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** Only rows newer than this log id (the live tail's catch-up after a reconnect). */
    sinceId: z.string().regex(/^[0-9]{1,19}$/, 'must be a log id').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type LogsQuery = z.infer<typeof logsQuerySchema>;
