import { z } from 'zod';
import { pageQuerySchema } from './pagination.js';

/** A message a sandboxed connector rendered and kept instead of sending (SPEC §1, §7). */
export const outboxMessageSchema = z.object({
  id: z.uuid(),
  connector: z.string(),
  runId: z.uuid().nullable(),
  stepId: z.string().nullable(),
  recipient: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

export const outboxQuerySchema = pageQuerySchema.extend({
  connector: z.enum(['slack.send', 'whatsapp.send', 'email.send', 'stripe.refund']).optional(),
  runId: z.uuid().optional(),
});
