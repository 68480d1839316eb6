import { Module } from '@nestjs/common';
import { RunsController } from './runs.controller';
import { RunsCoreModule } from './runs-core.module';

@Module({ imports: [RunsCoreModule], controllers: [RunsController] })
export class RunsModule {}
