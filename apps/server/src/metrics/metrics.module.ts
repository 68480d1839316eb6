import { Global, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { LogService } from '../logs/log-write.service';
import { withTimeout } from '../platform/db/database';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { QueuesService } from '../queues/queues.service';
import { CachedReading } from './cached-reading';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

/** How long one reading of BullMQ's counts serves scrapes. */
export const QUEUE_READING_MAX_AGE_MS = 5_000;

/** The process's metrics registry, injectable everywhere (rate limiter, worker, run worker). */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsCoreModule {}

/** Connects the scrape-time series to what they read: BullMQ's counts and the log writer. */
@Injectable()
class MetricSourcesWiring implements OnModuleInit {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    private readonly queues: QueuesService,
    private readonly logs: LogService,
  ) {}

  onModuleInit() {
    const reading = new CachedReading(() => withTimeout(this.queues.counts(), 2_000, 'queue counts'), QUEUE_READING_MAX_AGE_MS);
    this.metrics.sources.queues = () => reading.get();
    this.metrics.sources.logRowsDropped = () => this.logs.writer.stats.dropped;
  }
}

/** GET /metrics (every role) and the sources of its scrape-time series. */
@Module({ imports: [QueuesCoreModule], controllers: [MetricsController], providers: [MetricSourcesWiring] })
export class MetricsModule {}
