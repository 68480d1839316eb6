import { Module } from '@nestjs/common';
import { EventsCoreModule } from '../events/events-core.module';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { DeadRunAlerts } from './dead-run-alerts';
import { DlqReplayWorker } from './dlq-replay-worker';
import { TemplateRenderer } from '../engine/templating';
import { PostgresRunStore } from './run-store';
import { RunWorker } from './run-worker';
import { RunReconciler } from './reconciler';
import { RunsCoreModule } from './runs-core.module';
import { ConnectorsLifecycle, stepRegistryProvider } from './step-registry.provider';
import { OutboxCoreModule } from '../outbox/outbox-core.module';
import { TemplatesCoreModule } from '../templates/templates-core.module';
import { StorageModule } from '../storage/storage.module';

/** The run loop, registered as the handler of `run` jobs, and bulk DLQ replays (roles worker and all). */
@Module({
  imports: [QueuesCoreModule, EventsCoreModule, WorkflowsCoreModule, RunsCoreModule, TemplatesCoreModule, OutboxCoreModule, StorageModule],
  // One TemplateRenderer (one cache of parsed templates) for step configs and the connectors.
  providers: [{ provide: TemplateRenderer, useFactory: () => new TemplateRenderer() }, stepRegistryProvider, DeadRunAlerts, DlqReplayWorker, PostgresRunStore, RunWorker, RunReconciler, ConnectorsLifecycle],
})
export class RunsWorkerModule {}
