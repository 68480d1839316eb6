import { Inject, Injectable } from '@nestjs/common';
import type { DlqReplay } from '@visapi/contracts';
import type { Logger } from 'pino';
import { LogService } from '../logs/log-write.service';
import { ProblemException, redisUnavailable } from '../platform/http/problem';
import { LOGGER } from '../platform/platform.module';
import { dlqReplayJob } from '../queues/job-catalog';
import { QueuesService } from '../queues/queues.service';
import { type DlqReplayRow, DlqReplaysRepository, type ReplaySelector } from './dlq-replays.repository';
import { RunsService } from './runs.service';

/** Runs per job activation; each is replayed and recorded on its own, so progress shows as it goes. */
const CHUNK = 100;

type Actor = { actorId: string | null; actorType: string };

/**
 * Bulk DLQ replays (POST /api/v1/dlq/replays): the gateway records the request and queues one
 * `dlq-replay` job; a worker replays the runs it covers, each as POST /dlq/replay would (a manual
 * retry, audited `run.replayed`), writing each outcome as it goes. Replaying only runs still dead
 * makes a retried job safe: it continues with the runs not yet done.
 */
@Injectable()
export class DlqReplaysService {
  constructor(
    private readonly repository: DlqReplaysRepository,
    private readonly runs: RunsService,
    private readonly queues: QueuesService,
    private readonly logs: LogService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(selector: ReplaySelector, by: Actor, requestId: string | null): Promise<DlqReplay> {
    const row = await this.repository.insert({ selector, actorId: by.actorId, actorType: by.actorType, requestId });
    try {
      await this.queues.add(dlqReplayJob.queue!, dlqReplayJob.name, { v: 1, replayId: row.id } satisfies ReturnType<typeof dlqReplayJob.read>, { jobId: row.id, ...dlqReplayJob.options });
    } catch (error) {
      this.logger.warn({ err: error, replayId: row.id }, 'could not queue a DLQ replay: its request is deleted');
      await this.repository.delete(row.id);
      // The cause goes to the log: a client is told what happened, not Redis's own words.
      throw redisUnavailable('The queue is unavailable (Redis does not answer): nothing was replayed. Retry shortly.');
    }
    this.logs.audit({ actorId: by.actorId, action: 'dlq.replay_requested', target: `dlq_replay:${row.id}`, details: { actorType: by.actorType, selector } });
    return toDlqReplay(row);
  }

  async get(id: string): Promise<DlqReplay> {
    const row = await this.repository.find(id);
    if (!row) throw new ProblemException('notFound', 'No DLQ replay has this id.');
    return toDlqReplay(row);
  }

  /**
   * The worker's part, one chunk at a time: starts the replay if it was queued, replays the next
   * runs not yet done, and ends it when none are left. `done: false` when runs may remain: the
   * job comes back for them (dlq-replay-worker.ts), so a worker shutting down waits for one chunk
   * at most and never leaves a long replay to the stalled-job recovery.
   */
  async process(id: string): Promise<{ done: true; replay: DlqReplay | undefined } | { done: false }> {
    const found = await this.repository.find(id);
    if (!found || found.status === 'finished' || found.status === 'failed') return { done: true, replay: found && toDlqReplay(found) };
    const replay = found.status === 'queued' ? await this.repository.begin(id) : found;
    if (!replay) return { done: true, replay: undefined };
    const by = { actorId: replay.actor_id, actorType: replay.actor_type };
    const chunk = await this.repository.pending(id, CHUNK);
    for (const runId of chunk) {
      const replayed = await this.runs.replayIfDead(runId, by);
      await this.repository.record(id, runId, replayed ? 'replayed' : 'skipped');
    }
    if (chunk.length === CHUNK) return { done: false };
    const ended = await this.repository.end(id, 'finished');
    return { done: true, replay: ended && toDlqReplay(ended) };
  }

  /** Its job gave up (attempts used up): the replay says so, with the last error. */
  async fail(id: string, error: string): Promise<void> {
    await this.repository.end(id, 'failed', error);
  }
}

function toDlqReplay(row: DlqReplayRow): DlqReplay {
  return {
    id: row.id,
    status: row.status,
    total: row.total,
    replayed: row.replayed,
    skipped: row.skipped,
    error: row.error,
    actorId: row.actor_id,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
