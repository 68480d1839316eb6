import type { OutgoingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemException, redisUnavailable } from '../platform/http/problem';
import type { Principal } from '../platform/http/principal';
import { EventHub, MAX_STREAMS_PER_SESSION } from './event-hub';

/** GET /api/v1/events: hands the connection to the stream hub. */
@Injectable()
export class EventsService {
  constructor(private readonly hub: EventHub) {}

  async stream(reply: FastifyReply, principal: Principal, lastEventId: string | undefined): Promise<void> {
    // The guard already refuses API keys on a session-only route; this keeps the hub's contract plain.
    if (principal.kind !== 'user') throw new ProblemException('forbidden', 'The event stream is for signed-in dashboard users.');
    try {
      await this.hub.ready();
    } catch {
      throw redisUnavailable('The event stream is unavailable (Redis does not answer). Retry shortly.');
    }
    if (!this.hub.admits(principal.sessionId)) {
      throw new ProblemException('tooManyRequests', `This session has ${MAX_STREAMS_PER_SESSION} event streams open already: close another dashboard tab.`);
    }
    const headers = reply.getHeaders() as OutgoingHttpHeaders;
    // From here the response is the hub's: Fastify neither sends nor serializes it.
    reply.hijack();
    try {
      await this.hub.open({ response: reply.raw, headers, sessionId: principal.sessionId, role: principal.role, lastEventId });
    } catch (error) {
      reply.raw.destroy(error as Error);
    }
  }
}
