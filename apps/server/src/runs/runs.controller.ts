import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pageSchema, runSchema, runsQuerySchema, runSummarySchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access } from '../auth/access.decorator';
import { RunsService } from './runs.service';

class RunDto extends createZodDto(runSchema) {}
class RunPageDto extends createZodDto(pageSchema(runSummarySchema)) {}
class RunsQueryDto extends createZodDto(runsQuerySchema) {}
class RunIdDto extends createZodDto(z.object({ id: z.uuid({ error: 'must be a UUID' }) })) {}

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
  @ApiOperation({ summary: 'A run with every step', description: 'Answers from the moment the trigger’s 202 was sent (status queued).' })
  @ApiOkResponse({ type: RunDto })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  get(@Param() { id }: RunIdDto) {
    return this.runs.get(id);
  }
}
