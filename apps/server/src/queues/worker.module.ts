import { Module } from '@nestjs/common';
import { QueuesModule } from './queues.module';
import { WorkerHost } from './worker-host';

@Module({ imports: [QueuesModule], providers: [WorkerHost], exports: [WorkerHost] })
export class WorkerModule {}
