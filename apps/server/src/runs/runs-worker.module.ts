import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { RunExecutor } from './run-executor';
import { RunReconciler } from './reconciler';
import { RunsCoreModule } from './runs-core.module';

/** The run loop, registered as the handler of `run` jobs (roles worker and all). */
@Module({ imports: [QueuesModule, WorkflowsCoreModule, RunsCoreModule], providers: [RunExecutor, RunReconciler] })
export class RunsWorkerModule {}
