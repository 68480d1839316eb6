import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pageQuerySchema, replaySchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import { actor, type Principal } from '../platform/http/principal';
import { RunPageDto } from './runs.controller';
import { RunsService } from './runs.service';

class DlqQueryDto extends createZodDto(pageQuerySchema) {}
class ReplayDto extends createZodDto(replaySchema) {}
class ReplayedDto extends createZodDto(z.object({ replayed: z.number().int() })) {}

@ApiTags('runs')
@Controller('api/v1/dlq')
export class DlqController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({ summary: 'Dead runs (the dead-letter queue)', description: 'Newest first, cursor-paginated.' })
  @ApiOkResponse({ type: RunPageDto })
  list(@Query() query: DlqQueryDto) {
    return this.runs.list({ ...query, status: 'dead' });
  }

  @Post('replay')
  @HttpCode(200)
  @Access({ scope: 'manage_runs', role: 'operator' })
  @ApiOperation({ summary: 'Replay dead runs', description: 'runIds, workflowId or all: true. Each resumes at its failed step.' })
  @ApiOkResponse({ type: ReplayedDto })
  async replay(@Body() body: ReplayDto, @CurrentPrincipal() by: Principal) {
    const { replayed } = await this.runs.replay(body, actor(by));
    return { replayed };
  }
}
