import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { Retention } from './retention';
import { RetentionRepository } from './retention.repository';

/** The nightly retention job (worker). */
@Module({ imports: [QueuesModule], providers: [Retention, RetentionRepository], exports: [Retention] })
export class RetentionWorkerModule {}
