import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DelayedError } from 'bullmq';
import { dlqReplayJob } from '../queues/job-catalog';
import { JobHandlers } from '../queues/job-handlers';
import { DlqReplaysService } from './dlq-replays.service';

/** Runs `dlq-replay` jobs (roles worker and all), a chunk per activation; a replay whose job gives up is marked failed. */
@Injectable()
export class DlqReplayWorker implements OnModuleInit {
  constructor(
    private readonly handlers: JobHandlers,
    private readonly replays: DlqReplaysService,
  ) {}

  onModuleInit() {
    this.handlers.register(dlqReplayJob.queue!, dlqReplayJob.name, async (job, token) => {
      const { replayId } = dlqReplayJob.read(job.data);
      let step: Awaited<ReturnType<DlqReplaysService['process']>>;
      try {
        step = await this.replays.process(replayId);
      } catch (error) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.replays.fail(replayId, (error as Error).message);
        throw error;
      }
      if (step.done) return step.replay;
      // The next chunk in another activation, behind the maintenance jobs queued meanwhile (no attempt is spent).
      if (!token) throw new Error('cannot continue a replay without the job token');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    });
  }
}
