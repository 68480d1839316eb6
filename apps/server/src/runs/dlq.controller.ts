import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { dlqReplaySchema, pageQuerySchema, replaySchema } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import { IdParamDto } from '../platform/http/params';
import { actor, type Principal } from '../platform/http/principal';
import { DlqReplaysService } from './dlq-replays.service';
import { RunPageDto } from './runs.controller';
import { RunsService } from './runs.service';

class DlqQueryDto extends createZodDto(pageQuerySchema) {}
class ReplayDto extends createZodDto(replaySchema) {}
class ReplayedDto extends createZodDto(z.object({ replayed: z.number().int() })) {}
class DlqReplayDto extends createZodDto(dlqReplaySchema) {}

@ApiTags('runs')
@Controller('api/v1/dlq')
export class DlqController {
  constructor(
    private readonly runs: RunsService,
    private readonly replays: DlqReplaysService,
  ) {}

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

  @Post('replays')
  @HttpCode(202)
  @Access({ scope: 'manage_runs', role: 'operator' })
  @ApiOperation({
    summary: 'Replay dead runs in the background, with progress',
    description:
      'The same body as POST /dlq/replay (runIds, workflowId or all: true). A worker replays the runs in chunks: for workflowId and all, the runs dead when it starts (runs that die later are not included); for runIds, every id given. A run no longer dead when its turn comes is skipped. Follow the Location header (GET /dlq/replays/{id}) for progress.',
  })
  @ApiAcceptedResponse({
    type: DlqReplayDto,
    description: 'Queued.',
    headers: { Location: { description: 'The replay: GET it for progress.', schema: { type: 'string', example: '/api/v1/dlq/replays/0d5c6a52-5b1e-4e0f-9c43-2b8f1f1f6a10' } } },
  })
  @ApiBadRequestResponse({ description: 'Not exactly one of runIds, workflowId or all: true.' })
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'The queue is unavailable: nothing was started.' })
  async startReplay(@Body() body: ReplayDto, @CurrentPrincipal() by: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const replay = await this.replays.start(body, actor(by), String(request.id));
    void reply.header('location', `/api/v1/dlq/replays/${replay.id}`);
    return replay;
  }

  @Get('replays/:id')
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({ summary: 'A bulk replay and its progress', description: 'total is null until a worker has started it; replayed + skipped reaches total when it is finished.' })
  @ApiOkResponse({ type: DlqReplayDto })
  @ApiNotFoundResponse({ description: 'No DLQ replay has this id.' })
  getReplay(@Param() { id }: IdParamDto) {
    return this.replays.get(id);
  }
}
