import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { IdParamDto } from '../platform/http/params';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { triggerAcceptedSchema } from '@visapi/contracts';
import type { FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { TriggersService } from './triggers.service';

class TriggerAcceptedDto extends createZodDto(triggerAcceptedSchema) {}

@ApiTags('triggers')
@Controller('api/v1/workflows')
export class ManualTriggerController {
  constructor(private readonly triggers: TriggersService) {}

  @Post(':id/trigger')
  @HttpCode(202)
  @Access({ scope: 'trigger', role: 'operator' })
  @ApiOperation({ summary: 'Run a workflow now', description: 'The body is the run’s input (default {}); the actor is recorded. 202 once the run is queued.' })
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiAcceptedResponse({ type: TriggerAcceptedDto })
  @ApiNotFoundResponse({ description: 'No active workflow has this id.' })
  @ApiConflictResponse({ description: 'The workflow is disabled.' })
  @ApiUnprocessableEntityResponse({ description: 'The body fails the workflow’s inputSchema.' })
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'Redis does not answer (nothing was accepted, or — when the queue did not confirm in time — the run may have been queued: the detail says which), or, with REDIS_WAIT_REPLICAS, no replica confirmed the queued run in time.' })
  trigger(@Param() { id }: IdParamDto, @Body() body: unknown, @CurrentPrincipal() by: Principal, @Req() request: FastifyRequest) {
    return this.triggers.triggerManually(id, body, by, request);
  }
}
