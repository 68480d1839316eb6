import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

@Module({ imports: [QueuesModule], providers: [RunsService, RunsRepository], exports: [RunsService, RunsRepository] })
export class RunsCoreModule {}
