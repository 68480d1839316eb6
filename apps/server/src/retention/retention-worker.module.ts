import { Module } from '@nestjs/common';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { StorageModule } from '../storage/storage.module';
import { Retention } from './retention';
import { RetentionRepository } from './retention.repository';

/** The nightly retention job (worker). */
@Module({ imports: [QueuesCoreModule, StorageModule], providers: [Retention, RetentionRepository], exports: [Retention] })
export class RetentionWorkerModule {}
