import { Injectable, type OnModuleInit } from '@nestjs/common';
import { dlqReplayJob } from '../queues/job-catalog';
import { JobHandlers } from '../queues/job-handlers';
import { DlqReplaysService } from './dlq-replays.service';

/** Runs `dlq-replay` jobs (roles worker and all); a replay whose job gives up is marked failed. */
@Injectable()
export class DlqReplayWorker implements OnModuleInit {
  constructor(
    private readonly handlers: JobHandlers,
    private readonly replays: DlqReplaysService,
  ) {}

  onModuleInit() {
    this.handlers.register(dlqReplayJob.queue!, dlqReplayJob.name, async (job) => {
      const { replayId } = dlqReplayJob.read(job.data);
      try {
        return await this.replays.process(replayId);
      } catch (error) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.replays.fail(replayId, (error as Error).message);
        throw error;
      }
    });
  }
}
