import { Module } from '@nestjs/common';
import { DlqController } from './dlq.controller';
import { RunStatsRepository } from './run-stats.repository';
import { RunStatsService } from './run-stats.service';
import { RunsController } from './runs.controller';
import { RunsCoreModule } from './runs-core.module';

@Module({ imports: [RunsCoreModule], controllers: [RunsController, DlqController], providers: [RunStatsService, RunStatsRepository] })
export class RunsApiModule {}
