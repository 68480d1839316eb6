import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthDto } from './health.dto';
import { Public } from '../platform/http/access.decorator';
import { HealthService } from './health.service';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: answers while the process runs, without looking at dependencies. */
  @Get('livez')
  @ApiOperation({ summary: 'Liveness', description: 'Answers 200 while the process runs; looks at no dependency.' })
  @ApiOkResponse({ description: 'The process is running.' })
  livez() {
    return { status: 'ok' };
  }

  @Get(['healthz', 'readyz'])
  @ApiOperation({
    summary: 'Readiness',
    description: 'Checks PostgreSQL and Redis, each with its latency; 503 names what failed, and while the process drains.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'PostgreSQL and Redis answer.' })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'A dependency is down, or the process is draining.' })
  async healthz(@Res({ passthrough: true }) reply: FastifyReply) {
    const health = await this.health.check();
    reply.code(health.status === 'ok' ? 200 : 503).header('cache-control', 'no-store');
    return health;
  }
}
