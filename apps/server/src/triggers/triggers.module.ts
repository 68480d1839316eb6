import { Module } from '@nestjs/common';
import { RunsCoreModule } from '../runs/runs-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { ManualTriggerController } from './triggers.controller';

@Module({ imports: [WorkflowsCoreModule, RunsCoreModule], controllers: [ManualTriggerController] })
export class TriggersModule {}
