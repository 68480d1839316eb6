import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse, getSchemaPath } from '@nestjs/swagger';
import { eventSchemas, eventsQuerySchema } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { MAX_STREAMS_PER_SESSION } from './event-hub';
import { EventsService } from './events.service';

class EventsQueryDto extends createZodDto(eventsQuerySchema) {}
class RunCreatedEvent extends createZodDto(eventSchemas['run.created']) {}
class RunUpdatedEvent extends createZodDto(eventSchemas['run.updated']) {}
class LogCreatedEvent extends createZodDto(eventSchemas['log.created']) {}
class QueuesCountsEvent extends createZodDto(eventSchemas['queues.counts']) {}
class StreamResetEvent extends createZodDto(eventSchemas['stream.reset']) {}

const EVENT_MODELS = { 'run.created': RunCreatedEvent, 'run.updated': RunUpdatedEvent, 'log.created': LogCreatedEvent, 'queues.counts': QueuesCountsEvent, 'stream.reset': StreamResetEvent };
const EVENT_LIST = Object.entries(EVENT_MODELS)
  .map(([name, model]) => `- \`${name}\`: [${model.name}](${getSchemaPath(model)})`)
  .join('\n');

@ApiTags('events')
@ApiExtraModels(...Object.values(EVENT_MODELS))
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  // Session only (an API key gets 403), any role; every event is filtered by the session's role.
  @Access({ role: 'viewer' })
  // EventSource cannot send X-Visapi-Background: the stream never extends the idle session.
  @RouteConfig({ background: true })
  @ApiOperation({
    summary: 'Live events for the dashboard (Server-Sent Events)',
    description: [
      'A `text/event-stream` for a signed-in dashboard user (API keys get 403). Each message has an `id`, an `event` name and one JSON `data` line:',
      EVENT_LIST,
      '',
      'A client reconnecting with `Last-Event-ID` (or `?lastEventId=`), to any gateway, first gets the events it missed from a short shared backlog; when the backlog no longer reaches back that far (or the id is not one of ours) it gets `stream.reset` first and should refetch what it shows.',
      'A comment line every 15 s keeps the connection open; the session is re-checked then, and the stream ends once it is revoked, expired or its role lowered. The stream never extends the session’s idle time. A client that stops reading is disconnected. See docs/events.md.',
    ].join('\n'),
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received: the events after it are sent first.' })
  @ApiOkResponse({ description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiTooManyRequestsResponse({ description: `The session has ${MAX_STREAMS_PER_SESSION} streams open on this gateway already.` })
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'Redis does not answer: retry shortly.' })
  async stream(@Query() query: EventsQueryDto, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const header = request.headers['last-event-id'];
    await this.events.stream(reply, principal, (Array.isArray(header) ? header[0] : header) ?? query.lastEventId);
  }
}
