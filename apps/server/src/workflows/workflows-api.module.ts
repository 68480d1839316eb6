import { Module } from '@nestjs/common';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsCoreModule } from './workflows-core.module';

/** /api/v1/workflows (gateway). */
@Module({ imports: [WorkflowsCoreModule], controllers: [WorkflowsController] })
export class WorkflowsApiModule {}
