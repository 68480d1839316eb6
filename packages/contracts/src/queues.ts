import { z } from 'zod';

/** The BullMQ queues (SPEC §6): a workflow's priority picks one of the first three. */
export const QUEUE_NAMES = ['critical', 'default', 'bulk', 'pdf', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** GET /queues, and the `queues.counts` event. */
export const queuesSchema = z.object({
  queues: z.array(z.object({ name: z.enum(QUEUE_NAMES), counts: z.record(z.enum(QUEUE_STATES), z.number().int()), workers: z.number().int() })),
});
export type Queues = z.infer<typeof queuesSchema>;
