import { Module } from '@nestjs/common';
import { WorkflowCatalog } from './workflow-catalog';
import { WorkflowsRepository } from './workflows.repository';
import { WorkflowsService } from './workflows.service';

/** Workflows without HTTP routes: what the worker and other features use. */
@Module({ providers: [WorkflowsService, WorkflowsRepository, WorkflowCatalog], exports: [WorkflowsService, WorkflowCatalog] })
export class WorkflowsCoreModule {}
