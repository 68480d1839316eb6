import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { RunsCoreModule } from '../runs/runs-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { CronFire } from './cron-fire';
import { ScheduleReconciler } from './schedule-reconciler';

/** Cron triggers (SPEC §5.2), in the worker: schedulers follow the database; fires become runs. */
@Module({ imports: [QueuesModule, WorkflowsCoreModule, RunsCoreModule], providers: [CronFire, ScheduleReconciler], exports: [ScheduleReconciler] })
export class SchedulerWorkerModule {}
