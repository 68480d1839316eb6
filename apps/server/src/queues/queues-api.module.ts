import { Module } from '@nestjs/common';
import { QueuesController } from './queues.controller';
import { QueuesCoreModule } from './queues-core.module';

/** GET /api/v1/queues (gateway). */
@Module({ imports: [QueuesCoreModule], controllers: [QueuesController] })
export class QueuesApiModule {}
