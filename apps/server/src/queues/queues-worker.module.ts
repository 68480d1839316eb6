import { Module } from '@nestjs/common';
import { QueuesCoreModule } from './queues-core.module';
import { WorkerHost } from './worker-host';

@Module({ imports: [QueuesCoreModule], providers: [WorkerHost], exports: [WorkerHost] })
export class QueuesWorkerModule {}
