/** The BullMQ queues (SPEC §6): a workflow's priority picks one of the first three. */
export const QUEUE_NAMES = ['critical', 'default', 'bulk', 'pdf', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
