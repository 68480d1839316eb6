import { Inject, Injectable } from '@nestjs/common';
import { type Selectable, sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import type { DlqReplaysTable } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';

export type DlqReplayRow = Selectable<DlqReplaysTable>;
export type ReplaySelector = { runIds?: string[]; workflowId?: string; all?: boolean };

@Injectable()
export class DlqReplaysRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  insert(values: { selector: ReplaySelector; actorId: string | null; actorType: string; requestId: string | null }): Promise<DlqReplayRow> {
    return this.db
      .insertInto('dlq_replays')
      .values({ selector: JSON.stringify(values.selector), actor_id: values.actorId, actor_type: values.actorType, request_id: values.requestId })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  find(id: string): Promise<DlqReplayRow | undefined> {
    return this.db.selectFrom('dlq_replays').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('dlq_replays').where('id', '=', id).execute();
  }

  /**
   * Starts a queued replay, in one transaction: the runs its selector covers are fixed now —
   * the dead runs of the workflow, or all of them, at this moment; for run ids, every id given
   * (one no longer dead when its turn comes is skipped) — and `total` says how many. A replay
   * already started is returned as it is.
   */
  begin(id: string): Promise<DlqReplayRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const started = await tx
        .updateTable('dlq_replays')
        .set({ status: 'running', started_at: new Date(), updated_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .returning('selector')
        .executeTakeFirst();
      if (!started) return tx.selectFrom('dlq_replays').selectAll().where('id', '=', id).executeTakeFirst();
      const selector = started.selector as ReplaySelector;
      if (selector.runIds) {
        await sql`INSERT INTO dlq_replay_runs (replay_id, run_id) SELECT ${id}, unnest(${selector.runIds}::uuid[]) ON CONFLICT DO NOTHING`.execute(tx);
      } else {
        await sql`INSERT INTO dlq_replay_runs (replay_id, run_id)
                  SELECT ${id}, r.id FROM runs r WHERE r.status = 'dead' AND (${selector.workflowId ?? null}::uuid IS NULL OR r.workflow_id = ${selector.workflowId ?? null}::uuid)`.execute(tx);
      }
      return tx
        .updateTable('dlq_replays')
        .set({ total: sql<number>`(SELECT count(*)::int FROM dlq_replay_runs WHERE replay_id = ${id})` })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    });
  }

  /** The next runs still to do, in order. */
  async pending(id: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('dlq_replay_runs').select('run_id').where('replay_id', '=', id).where('outcome', 'is', null).orderBy('run_id').limit(limit).execute();
    return rows.map((r) => r.run_id);
  }

  /** One run done: its outcome and the replay's count, once (a second worker's write counts nothing). */
  async record(id: string, runId: string, outcome: 'replayed' | 'skipped'): Promise<void> {
    await sql`
      WITH marked AS (
        UPDATE dlq_replay_runs SET outcome = ${outcome} WHERE replay_id = ${id} AND run_id = ${runId} AND outcome IS NULL RETURNING outcome
      )
      UPDATE dlq_replays SET
        replayed = replayed + (SELECT count(*) FROM marked WHERE outcome = 'replayed'),
        skipped = skipped + (SELECT count(*) FROM marked WHERE outcome = 'skipped'),
        updated_at = now()
      WHERE id = ${id}`.execute(this.db);
  }

  end(id: string, status: 'finished' | 'failed', error: string | null = null): Promise<DlqReplayRow | undefined> {
    return this.db
      .updateTable('dlq_replays')
      .set({ status, error, finished_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
  }
}
