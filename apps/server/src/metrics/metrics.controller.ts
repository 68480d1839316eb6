import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../platform/config/config';
import { Public } from '../platform/http/access.decorator';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import { Metrics } from './metrics';
import { bearerMatches } from './metrics-token';

/** GET /metrics on every role: the gateway's port, and the worker's WORKER_METRICS_PORT. */
@ApiTags('health')
@Public()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(CONFIG) private readonly config: Pick<Config, 'METRICS_TOKEN'>,
  ) {}

  @Get('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'The Prometheus text format (SPEC §12 series, process defaults, event-loop lag). When METRICS_TOKEN is set, send it as a bearer token.',
  })
  @ApiBearerAuth('metricsToken')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics, in the Prometheus text exposition format.', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and the request does not carry it.' })
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const token = this.config.METRICS_TOKEN;
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      throw new ProblemException('unauthorized', 'This endpoint takes the METRICS_TOKEN as a bearer token.', undefined, { 'www-authenticate': 'Bearer' });
    }
    const text = await this.metrics.text();
    void reply.header('content-type', this.metrics.contentType).header('cache-control', 'no-store');
    return text;
  }
}
