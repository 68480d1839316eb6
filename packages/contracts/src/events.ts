import { z } from 'zod';
import { logEntrySchema } from './logs.js';
import { queuesSchema } from './queues.js';
import { runSummarySchema } from './runs.js';

/**
 * GET /api/v1/events (SPEC §9): Server-Sent Events for the dashboard. Each message has an
 * `id` (resume with `Last-Event-ID` on any gateway), an `event` name from this map and a
 * JSON `data` line of that event's shape.
 */
export const eventSchemas = {
  'run.created': runSummarySchema,
  'run.updated': runSummarySchema,
  'log.created': logEntrySchema,
  'queues.counts': queuesSchema,
  /**
   * The backlog no longer holds the `Last-Event-ID` the client sent: events were missed,
   * so refetch what is shown.
   */
  'stream.reset': z.object({ reason: z.string() }),
} as const;
export type EventType = keyof typeof eventSchemas;
export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

/** GET /api/v1/events: `lastEventId` stands in for the Last-Event-ID header (which wins when both are sent). */
export const eventsQuerySchema = z.object({ lastEventId: z.string().max(100).optional() }).strict();
export type EventsQuery = z.infer<typeof eventsQuerySchema>;
