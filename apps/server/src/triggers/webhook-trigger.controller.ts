import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { triggerAcceptedSchema } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Public } from '../platform/http/access.decorator';
import type { BodyRouteConfig } from '../platform/http/body-parsers';
import { TriggersService } from './triggers.service';

export const WEBHOOK_BODY_LIMIT = 512 * 1024;

class TriggerAcceptedDto extends createZodDto(triggerAcceptedSchema) {}

@ApiTags('triggers')
@Controller('api/v1/triggers')
export class WebhookTriggerController {
  constructor(private readonly triggers: TriggersService) {}

  @Post(':key')
  @HttpCode(202)
  @Public()
  @RouteConfig({ bodyLimit: WEBHOOK_BODY_LIMIT, acceptForms: true } satisfies BodyRouteConfig)
  @ApiOperation({
    summary: 'Webhook: start a workflow',
    description:
      'An API key with scope trigger, or a Standard Webhooks signature (over the raw body, JSON or form) when the trigger has a signing secret. JSON or form bodies up to 512 KB and 1,000 form fields (a chunked body is refused with 413 as soon as it passes 512 KB, and the connection closed after the answer). 202 once the run is queued. Idempotency-Key makes repeats safe for 24 h; a signed request is always deduplicated on its webhook-id (Idempotency-Key is ignored).',
  })
  @ApiSecurity('apiKey')
  @ApiSecurity('bearer')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 printable characters; ignored on a signed request, whose webhook-id is the key' })
  @ApiBody({ schema: { type: 'object' }, description: 'The run’s input (application/json or application/x-www-form-urlencoded)' })
  @ApiAcceptedResponse({ type: TriggerAcceptedDto })
  @ApiNotFoundResponse({ description: 'Unknown key, or the workflow is disabled.' })
  @ApiConflictResponse({ description: 'A request with this Idempotency-Key is still in flight.' })
  @ApiPayloadTooLargeResponse({ description: 'The body is over 512 KB, or a form has more than 1,000 fields.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Neither JSON nor a form.' })
  @ApiUnprocessableEntityResponse({ description: 'The payload fails inputSchema, or the Idempotency-Key was used with another body.' })
  @ApiServiceUnavailableResponse({
    headers: RETRY_AFTER_ONE,
    description:
      'Redis is down or does not answer within the request’s deadline (the answer comes within 1 s of the request, Retry-After: 1): nothing was accepted, retry — unless the detail says the queue did not confirm the run in time: Redis may have stored it, and a retry with the same Idempotency-Key answers that run. With REDIS_WAIT_REPLICAS, also when no replica confirmed the queued run in time (retry with the same Idempotency-Key).',
  })
  trigger(@Param('key') key: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.triggers.acceptWebhook(key, body, request, reply);
  }
}
