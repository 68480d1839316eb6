import { Module } from '@nestjs/common';
import { QueuesController } from './queues.controller';
import { QueuesModule } from './queues.module';

/** GET /api/v1/queues (gateway). */
@Module({ imports: [QueuesModule], controllers: [QueuesController] })
export class QueuesApiModule {}
