import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

/** /livez, /healthz, /readyz: public, on every role (the worker's on WORKER_METRICS_PORT). */
@Module({ controllers: [HealthController], providers: [HealthService] })
export class HealthApiModule {}
