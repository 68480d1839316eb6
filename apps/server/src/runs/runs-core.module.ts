import { Module } from '@nestjs/common';
import { EventsCoreModule } from '../events/events-core.module';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { DlqReplaysRepository } from './dlq-replays.repository';
import { DlqReplaysService } from './dlq-replays.service';
import { RunCancellations } from './run-cancellations';
import { RunProducer } from './run-producer';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

const providers = [RunsService, RunProducer, RunCancellations, RunsRepository, DlqReplaysService, DlqReplaysRepository];

@Module({ imports: [QueuesCoreModule, EventsCoreModule], providers, exports: providers })
export class RunsCoreModule {}
