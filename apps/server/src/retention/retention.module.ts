import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { Retention } from './retention';

/** The nightly retention job (worker). */
@Module({ imports: [QueuesModule], providers: [Retention], exports: [Retention] })
export class RetentionModule {}
