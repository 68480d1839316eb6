import { sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';

/** Re-seals one value under the current key. */
export type Reseal = (sealed: Buffer) => Buffer;

export interface StepKey {
  runId: string;
  stepId: string;
}

/**
 * The sealed columns crypto:rotate rewrites: `runs.input_encrypted`, `run_steps.output_encrypted`
 * and `.items_encrypted`, and the step's forEach items recorded one by one
 * (`run_step_items.output_encrypted`, rotated with their step). A value is stale when its version byte is not the current key's; each
 * batch locks, re-seals and writes its rows in one transaction, paging on the primary key.
 */
export class KeyRotationRepository {
  constructor(private readonly database: DatabaseHandle) {}

  async countStale(version: number): Promise<{ runs: number; steps: number }> {
    const { rows } = await sql<{ runs: string; steps: string }>`
      SELECT (SELECT count(*) FROM runs WHERE ${staleInput(version)}) AS runs,
             (SELECT count(*) FROM run_steps WHERE ${staleStep(version)}) AS steps`.execute(this.database.db);
    return { runs: Number(rows[0]!.runs), steps: Number(rows[0]!.steps) };
  }

  /** One batch of runs after `after`: the last id seen (null: none left) and how many were rewritten. */
  rotateRuns(version: number, after: string | null, limit: number, reseal: Reseal): Promise<{ last: string | null; rotated: number }> {
    return this.database.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string; input_encrypted: Buffer }>`
        SELECT id, input_encrypted FROM runs
        WHERE ${staleInput(version)} AND (${after}::uuid IS NULL OR id > ${after}::uuid)
        ORDER BY id LIMIT ${limit} FOR UPDATE`.execute(trx);
      if (rows.length === 0) return { last: null, rotated: 0 };
      const sealed = rows.map((r) => reseal(r.input_encrypted));
      await sql`
        UPDATE runs AS r SET input_encrypted = v.sealed
        FROM unnest(${rows.map((r) => r.id)}::uuid[], ${sealed}::bytea[]) AS v(id, sealed)
        WHERE r.id = v.id`.execute(trx);
      return { last: rows.at(-1)!.id, rotated: rows.length };
    });
  }

  /** One batch of steps after `after` (run id, step id). */
  rotateSteps(version: number, after: StepKey | null, limit: number, reseal: Reseal): Promise<{ last: StepKey | null; rotated: number }> {
    return this.database.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ run_id: string; step_id: string; output_encrypted: Buffer | null; items_encrypted: Buffer | null }>`
        SELECT run_id, step_id, output_encrypted, items_encrypted FROM run_steps
        WHERE ${staleStep(version)} AND (${after?.runId ?? null}::uuid IS NULL OR (run_id, step_id) > (${after?.runId ?? null}::uuid, ${after?.stepId ?? null}::text))
        ORDER BY run_id, step_id LIMIT ${limit} FOR UPDATE`.execute(trx);
      if (rows.length === 0) return { last: null, rotated: 0 };
      const fresh = (value: Buffer | null) => (value && value[0] !== version ? reseal(value) : value);
      await sql`
        UPDATE run_steps AS s SET output_encrypted = v.output, items_encrypted = v.items
        FROM unnest(${rows.map((r) => r.run_id)}::uuid[], ${rows.map((r) => r.step_id)}::text[], ${rows.map((r) => fresh(r.output_encrypted))}::bytea[], ${rows.map((r) => fresh(r.items_encrypted))}::bytea[])
          AS v(run_id, step_id, output, items)
        WHERE s.run_id = v.run_id AND s.step_id = v.step_id`.execute(trx);
      const items = await sql<{ run_id: string; step_id: string; item_index: number; output_encrypted: Buffer }>`
        SELECT run_id, step_id, item_index, output_encrypted FROM run_step_items
        WHERE (run_id, step_id) IN (SELECT * FROM unnest(${rows.map((r) => r.run_id)}::uuid[], ${rows.map((r) => r.step_id)}::text[]))
          AND ${staleItem(version)}
        FOR UPDATE`.execute(trx);
      if (items.rows.length > 0) {
        await sql`
          UPDATE run_step_items AS i SET output_encrypted = v.output
          FROM unnest(${items.rows.map((r) => r.run_id)}::uuid[], ${items.rows.map((r) => r.step_id)}::text[], ${items.rows.map((r) => r.item_index)}::int[], ${items.rows.map((r) => reseal(r.output_encrypted))}::bytea[])
            AS v(run_id, step_id, item_index, output)
          WHERE i.run_id = v.run_id AND i.step_id = v.step_id AND i.item_index = v.item_index`.execute(trx);
      }
      const last = rows.at(-1)!;
      return { last: { runId: last.run_id, stepId: last.step_id }, rotated: rows.length };
    });
  }
}

const staleInput = (version: number) => sql`input_encrypted IS NOT NULL AND get_byte(input_encrypted, 0) <> ${version}`;
const staleItem = (version: number) => sql`output_encrypted IS NOT NULL AND get_byte(output_encrypted, 0) <> ${version}`;
const staleStep = (version: number) =>
  sql`((output_encrypted IS NOT NULL AND get_byte(output_encrypted, 0) <> ${version}) OR (items_encrypted IS NOT NULL AND get_byte(items_encrypted, 0) <> ${version})
       OR EXISTS (SELECT 1 FROM run_step_items AS i WHERE i.run_id = run_steps.run_id AND i.step_id = run_steps.step_id AND get_byte(i.output_encrypted, 0) <> ${version}))`;
