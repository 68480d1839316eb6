import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LogService } from '../logs/log-write.service';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { type RunQueue, reconcileRunsJob } from '../queues/job-catalog';
import { JobHandlers } from '../queues/job-handlers';
import { QueuesService } from '../queues/queues.service';
import { RunsRepository } from './runs.repository';
import { RunProducer } from './run-producer';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * SPEC §6 reconciliation sweep: runs PostgreSQL holds as queued or running, untouched for
 * longer than the stall window, whose job no queue holds, are queued again (never merely
 * marked crashed); each is logged. A BullMQ job scheduler on the maintenance queue fires it,
 * so usually one worker at a time sweeps, however many run; a run is claimed in PostgreSQL
 * before it is re-queued, so overlapping sweeps re-queue it once.
 */
@Injectable()
export class RunReconciler implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'RUN_RECONCILE_INTERVAL_MS' | 'RUN_STALL_WINDOW_MS'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly handlers: JobHandlers,
    private readonly queues: QueuesService,
    private readonly repository: RunsRepository,
    private readonly producer: RunProducer,
    private readonly logs: LogService,
  ) {}

  async onApplicationBootstrap() {
    const { name, queue, options } = reconcileRunsJob;
    this.handlers.register(queue, name, () => this.sweep());
    await this.queues
      .get(queue)
      .upsertJobScheduler(name, { every: this.config.RUN_RECONCILE_INTERVAL_MS }, { name, opts: options })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not schedule the run reconciliation sweep'));
  }

  /** One pass; returns the ids re-queued. */
  async sweep(): Promise<string[]> {
    const staleBefore = new Date(Date.now() - this.config.RUN_STALL_WINDOW_MS);
    const requeued: string[] = [];
    for (const run of await this.repository.stale(staleBefore, 500)) {
      const job = run.job_id ? await this.queues.get(run.queue as RunQueue).getJob(run.job_id) : undefined;
      if (job && LIVE_STATES.has(await job.getState())) continue;
      // Sweeps may overlap (one runs long, the next fires on another worker): only the one that
      // claims the run re-queues it. A claim whose job is then not added is swept again later.
      const jobId = RunProducer.requeueJobId(run.id, 'reconcile');
      if (!(await this.repository.claimStale(run.id, staleBefore, jobId))) continue;
      await this.producer.requeue(run, 'reconcile', jobId);
      requeued.push(run.id);
      this.logs.write({ level: 'warn', message: 'run re-queued by the reconciliation sweep (no queue held it)', workflowId: run.workflow_id, runId: run.id, jobId: run.id, payload: { status: run.status, lastTouched: run.updated_at } });
    }
    if (requeued.length) this.logger.warn({ count: requeued.length }, 'reconciliation sweep re-queued runs');
    return requeued;
  }
}
