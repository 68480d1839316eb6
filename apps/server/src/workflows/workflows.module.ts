import { Module } from '@nestjs/common';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsCoreModule } from './workflows-core.module';

@Module({ imports: [WorkflowsCoreModule], controllers: [WorkflowsController] })
export class WorkflowsModule {}
