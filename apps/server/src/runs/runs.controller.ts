import { IdParamDto } from '../platform/http/params';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { pageSchema, runSchema, runsQuerySchema, runStatsQuerySchema, runStatsSchema, runSummarySchema, triggerAcceptedSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import { actor, type Principal } from '../platform/http/principal';
import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { RunStatsService } from './run-stats.service';
import { RunsService } from './runs.service';

class RunDto extends createZodDto(runSchema) {}
export class RunPageDto extends createZodDto(pageSchema(runSummarySchema)) {}
class RunsQueryDto extends createZodDto(runsQuerySchema) {}
class AcceptedDto extends createZodDto(triggerAcceptedSchema) {}
class RunStatsQueryDto extends createZodDto(runStatsQuerySchema) {}
class RunStatsDto extends createZodDto(runStatsSchema) {}

@ApiTags('runs')
@Controller('api/v1/runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly runStats: RunStatsService,
  ) {}

  @Get()
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({ summary: 'List runs', description: 'Filter by workflowId, status, triggerType, from, to; newest first, cursor-paginated.' })
  @ApiOkResponse({ type: RunPageDto })
  list(@Query() query: RunsQueryDto) {
    return this.runs.list(query);
  }

  // Declared before ':id', which would otherwise take "stats" for a run id.
  @Get('stats')
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({
    summary: 'Run statistics for the last minutes',
    description:
      'Over the last `minutes` (5-1440, default 60): per-minute buckets, oldest first, the last one the minute in progress, of runs created, finished ' +
      '(succeeded, dead, cancelled) and failed waiting for a retry; totals and successRate = succeeded / (succeeded + dead), null when none finished; ' +
      'p50 and p95 of created → finished for the runs that succeeded; and the 10 newest dead or failed runs (not limited to the window).',
  })
  @ApiOkResponse({ type: RunStatsDto })
  @ApiBadRequestResponse({ description: '`minutes` is not a whole number from 5 to 1440, or an unknown parameter was given.' })
  stats(@Query() { minutes }: RunStatsQueryDto) {
    return this.runStats.shared(minutes);
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
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'The queue is unavailable (Redis does not answer): the run was not queued and keeps its status. Retry shortly.' })
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
