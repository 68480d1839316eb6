import { Module } from '@nestjs/common';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { Retention } from './retention';
import { RetentionRepository } from './retention.repository';

/** The nightly retention job (worker). */
@Module({ imports: [QueuesCoreModule], providers: [Retention, RetentionRepository], exports: [Retention] })
export class RetentionWorkerModule {}
