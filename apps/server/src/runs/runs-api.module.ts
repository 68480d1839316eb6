import { Module } from '@nestjs/common';
import { DlqController } from './dlq.controller';
import { RunsController } from './runs.controller';
import { RunsCoreModule } from './runs-core.module';

@Module({ imports: [RunsCoreModule], controllers: [RunsController, DlqController] })
export class RunsApiModule {}
