import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { DeadRunAlerts } from './dead-run-alerts';
import { RunExecutor } from './run-executor';
import { RunReconciler } from './reconciler';
import { RunsCoreModule } from './runs-core.module';
import { stepRegistryProvider } from './step-registry.provider';
import { OutboxCoreModule } from '../outbox/outbox-core.module';
import { TemplatesCoreModule } from '../templates/templates-core.module';

/** The run loop, registered as the handler of `run` jobs (roles worker and all). */
@Module({
  imports: [QueuesModule, WorkflowsCoreModule, RunsCoreModule, TemplatesCoreModule, OutboxCoreModule],
  providers: [stepRegistryProvider, DeadRunAlerts, RunExecutor, RunReconciler],
})
export class RunsWorkerModule {}
