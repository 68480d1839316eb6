import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { DATABASE } from '../platform/platform.module';
import type { RunRow } from './runs.repository';

export type StatsKind = 'created' | 'succeeded' | 'dead' | 'cancelled' | 'failed';
/** How many runs `kind` happened to in the minute `bucket` (0 = the window's first). */
export interface StatsCount {
  bucket: number;
  kind: StatsKind;
  n: number;
}

/** The Overview's numbers (GET /runs/stats): each one statement over a range of an index. */
@Injectable()
export class RunStatsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Runs per minute of [from, to): created (runs_created_at_idx), finished by status
   * (runs_finished_at_idx), and failed and waiting for a retry, by their last change
   * (runs_failures_idx: a run's earlier failed attempts leave no trace to count).
   */
  async counts(from: Date, to: Date): Promise<StatsCount[]> {
    const minute = (column: string) => sql<number>`floor(extract(epoch FROM ${sql.ref(column)} - ${from}::timestamptz) / 60)::int`;
    const { rows } = await sql<StatsCount>`
      SELECT bucket, kind, count(*)::int AS n FROM (
        SELECT ${minute('created_at')} AS bucket, 'created' AS kind FROM runs WHERE created_at >= ${from} AND created_at < ${to}
        UNION ALL
        SELECT ${minute('finished_at')}, status FROM runs
        WHERE finished_at >= ${from} AND finished_at < ${to} AND status IN ('succeeded', 'dead', 'cancelled')
        UNION ALL
        SELECT ${minute('updated_at')}, 'failed' FROM runs WHERE status = 'failed' AND updated_at >= ${from} AND updated_at < ${to}
      ) happened
      GROUP BY bucket, kind`.execute(this.database.db);
    return rows;
  }

  /** Created → finished of the runs that succeeded in [from, to), in milliseconds. */
  async latency(from: Date, to: Date): Promise<{ p50: number | null; p95: number | null; count: number }> {
    const { rows } = await sql<{ p50: number | null; p95: number | null; count: number }>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, count(*)::int AS count
      FROM (
        SELECT (extract(epoch FROM finished_at - created_at) * 1000)::float8 AS ms FROM runs
        WHERE finished_at >= ${from} AND finished_at < ${to} AND status = 'succeeded'
      ) succeeded`.execute(this.database.db);
    return rows[0]!;
  }

  /** The newest dead or failed runs, by when they last changed (runs_failures_idx). */
  recentFailures(limit: number): Promise<RunRow[]> {
    return this.database.db
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', ['dead', 'failed'])
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
