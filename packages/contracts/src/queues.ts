import { z } from 'zod';

/** The BullMQ queues (SPEC §6): a workflow's priority picks one of the first three. */
export const QUEUE_NAMES = ['critical', 'default', 'bulk', 'pdf', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** GET /queues, and the `queues.counts` event. */
export const queuesSchema = z.object({
  queues: z.array(
    z.object({
      name: z.enum(QUEUE_NAMES),
      counts: z.object({
        waiting: z.number().int(),
        prioritized: z.number().int(),
        active: z.number().int(),
        delayed: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
      }),
      workers: z.number().int(),
    }),
  ),
});
export type Queues = z.infer<typeof queuesSchema>;
