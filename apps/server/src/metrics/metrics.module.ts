import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

/**
 * The process's metrics registry, injectable everywhere (rate limiter, worker, run worker). The
 * scrape-time sources register themselves (QueuesService, LogService): metrics imports no feature.
 */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsCoreModule {}

/** GET /metrics, on every role. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
