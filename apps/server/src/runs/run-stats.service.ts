import { Inject, Injectable } from '@nestjs/common';
import type { RunStats } from '@visapi/contracts';
import type { Config } from '../platform/config/config';
import { CONFIG } from '../platform/platform.module';
import { toRunSummary } from './run-view';
import { RunStatsRepository } from './run-stats.repository';

const MINUTE = 60_000;
const RECENT_FAILURES = 10;

type Bucket = RunStats['buckets'][number];

/** GET /runs/stats: what the Overview charts, over the last `minutes` minutes. */
@Injectable()
export class RunStatsService {
  private readonly recent = new Map<number, { at: number; answer: Promise<RunStats> }>();

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'RUN_STATS_REUSE_MS'>,
    private readonly repository: RunStatsRepository,
  ) {}

  /**
   * `stats(minutes)`, reused for RUN_STATS_REUSE_MS. A day's window reads every run of the day:
   * however many dashboards (or scripts) ask, each gateway runs the query at most once per
   * window size in that time, and concurrent askers share the query in flight. A failed query
   * is not reused.
   */
  shared(minutes: number): Promise<RunStats> {
    const now = Date.now();
    const kept = this.recent.get(minutes);
    if (kept && now - kept.at < this.config.RUN_STATS_REUSE_MS) return kept.answer;
    const answer = this.stats(minutes);
    this.recent.set(minutes, { at: now, answer });
    answer.catch(() => {
      if (this.recent.get(minutes)?.answer === answer) this.recent.delete(minutes);
    });
    return answer;
  }

  /**
   * One bucket per minute, oldest first, the last one the minute in progress: the window
   * starts at the top of the minute `minutes - 1` minutes ago and ends now.
   */
  async stats(minutes: number, now = new Date()): Promise<RunStats> {
    const from = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE - (minutes - 1) * MINUTE);
    const end = new Date(from.getTime() + minutes * MINUTE);
    const [counts, latency, failures] = await Promise.all([
      this.repository.counts(from, end),
      this.repository.latency(from, end),
      this.repository.recentFailures(RECENT_FAILURES),
    ]);

    const buckets: Bucket[] = Array.from({ length: minutes }, (_, i) => ({
      at: new Date(from.getTime() + i * MINUTE).toISOString(),
      created: 0,
      succeeded: 0,
      dead: 0,
      cancelled: 0,
      failed: 0,
    }));
    const totals = { created: 0, succeeded: 0, dead: 0, cancelled: 0, failed: 0 };
    for (const { bucket, kind, n } of counts) {
      buckets[bucket]![kind] += n;
      totals[kind] += n;
    }
    const finished = totals.succeeded + totals.dead;
    return {
      from: from.toISOString(),
      to: now.toISOString(),
      buckets,
      totals: { ...totals, successRate: finished > 0 ? totals.succeeded / finished : null },
      latencyMs: latency,
      recentFailures: failures.map(toRunSummary),
    };
  }
}
