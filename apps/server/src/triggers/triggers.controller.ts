import { IdParamDto } from '../platform/http/params';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { triggerAcceptedSchema } from '@visapi/contracts';
import type { FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { ProblemException } from '../platform/http/problem';
import { RunsService } from '../runs/runs.service';
import { WorkflowCatalog } from '../workflows/workflow-catalog';

class TriggerAcceptedDto extends createZodDto(triggerAcceptedSchema) {}

@ApiTags('triggers')
@Controller('api/v1/workflows')
export class ManualTriggerController {
  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly runs: RunsService,
  ) {}

  @Post(':id/trigger')
  @HttpCode(202)
  @Access({ scope: 'trigger', role: 'operator' })
  @ApiOperation({ summary: 'Run a workflow now', description: 'The body is the run’s input (default {}); the actor is recorded. 202 once the run is queued.' })
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiAcceptedResponse({ type: TriggerAcceptedDto })
  @ApiNotFoundResponse({ description: 'No active workflow has this id.' })
  @ApiConflictResponse({ description: 'The workflow is disabled.' })
  @ApiUnprocessableEntityResponse({ description: 'The body fails the workflow’s inputSchema.' })
  async trigger(@Param() { id }: IdParamDto, @Body() body: unknown, @CurrentPrincipal() by: Principal, @Req() request: FastifyRequest) {
    const entry = await this.catalog.get(id);
    if (!entry || entry.workflow.archived_at) throw new ProblemException('notFound', 'No active workflow has this id.');
    if (!entry.workflow.enabled) throw new ProblemException('conflict', 'The workflow is disabled: enable it first.');
    const input = body ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new ProblemException('validation', 'The body must be a JSON object (the run’s input).', [{ path: '$', message: 'must be an object' }]);
    }
    return this.runs.enqueue({ entry, input, trigger: { type: 'manual', actorId: by.id }, requestId: String(request.id) });
  }
}
