import { Module } from '@nestjs/common';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { RunsCoreModule } from '../runs/runs-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { CronFire } from './cron-fire';
import { ScheduleReconciler } from './schedule-reconciler';

/** Cron triggers (SPEC §5.2), in the worker: schedulers follow the database; fires become runs. */
@Module({ imports: [QueuesCoreModule, WorkflowsCoreModule, RunsCoreModule], providers: [CronFire, ScheduleReconciler], exports: [ScheduleReconciler] })
export class SchedulerWorkerModule {}
