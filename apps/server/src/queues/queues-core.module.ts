import { Module } from '@nestjs/common';
import { JobHandlers } from './job-handlers';
import { QueuesService } from './queues.service';

@Module({ providers: [QueuesService, JobHandlers], exports: [QueuesService, JobHandlers] })
export class QueuesCoreModule {}
