import { IdParamDto } from '../platform/http/params';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pageSchema, runSchema, runsQuerySchema, runSummarySchema, triggerAcceptedSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import { actor, type Principal } from '../platform/http/principal';
import { RunsService } from './runs.service';

class RunDto extends createZodDto(runSchema) {}
export class RunPageDto extends createZodDto(pageSchema(runSummarySchema)) {}
class RunsQueryDto extends createZodDto(runsQuerySchema) {}
class AcceptedDto extends createZodDto(triggerAcceptedSchema) {}

@ApiTags('runs')
@Controller('api/v1/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({ summary: 'List runs', description: 'Filter by workflowId, status, from, to; newest first, cursor-paginated.' })
  @ApiOkResponse({ type: RunPageDto })
  list(@Query() query: RunsQueryDto) {
    return this.runs.list(query);
  }

  @Get(':id')
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({
    summary: 'A run with every step',
    description: 'Answers from the moment the trigger’s 202 was sent (status queued). Input, step outputs and errors are shown redacted (PII and credentials masked, as in logs).',
  })
  @ApiOkResponse({ type: RunDto })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  get(@Param() { id }: IdParamDto) {
    return this.runs.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Access({ scope: 'manage_runs', role: 'operator' })
  @ApiOperation({ summary: 'Retry a run', description: 'A dead, cancelled or retry-waiting run resumes at its first unfinished step; succeeded steps are not repeated.' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  @ApiConflictResponse({ description: 'The run is queued, running or succeeded.' })
  retry(@Param() { id }: IdParamDto, @CurrentPrincipal() by: Principal) {
    return this.runs.retry(id, actor(by));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Access({ scope: 'manage_runs', role: 'operator' })
  @ApiOperation({ summary: 'Cancel a run', description: 'A queued, running or retry-waiting run; no further step starts.' })
  @ApiOkResponse({ type: RunDto })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  @ApiConflictResponse({ description: 'The run has already finished.' })
  cancel(@Param() { id }: IdParamDto, @CurrentPrincipal() by: Principal) {
    return this.runs.cancel(id, actor(by));
  }
}
