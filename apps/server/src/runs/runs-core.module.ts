import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { RunCancellations } from './run-cancellations';
import { RunProducer } from './run-producer';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

const providers = [RunsService, RunProducer, RunCancellations, RunsRepository];

@Module({ imports: [QueuesModule], providers, exports: providers })
export class RunsCoreModule {}
