import type { RunError, StepRecord } from '../engine/run-loop';
import type { ItemResult } from '../engine/step-runner';
import { redact, redactText } from '../logs/redaction';
import type { DataCipher } from '../platform/crypto/encryption';

export type { RunError } from '../engine/run-loop';

/** What is stored of a step's result: redacted copies in the plain columns, the raw outputs sealed. */
export interface StoredStepResult {
  output?: unknown;
  outputSealed?: Buffer;
  items?: unknown;
  itemsSealed?: Buffer;
  error?: RunError;
}

/**
 * Outputs and forEach items may hold PII and credentials (an `http.request` response's
 * set-cookie and body, a Meta contact id that is a phone number): the API and the plain
 * columns get them redacted. The raw values stay only where a resumed run needs them — later
 * steps' templates read `steps.<id>` (ADR 0005) — sealed like the run's input. Errors are
 * stored redacted only (redactError): nothing reads them back but people.
 *
 * A succeeded forEach step keeps its output (the items' outputs) and not its items: it is
 * never run again. A failed one keeps its items, so a retry skips those that succeeded.
 */
export function sealStepResult(cipher: DataCipher, record: Exclude<StepRecord, { status: 'skipped' }>): StoredStepResult {
  if (record.status === 'succeeded') return { output: redact(record.output ?? null), outputSealed: cipher.encryptJson(record.output) };
  const { items, error } = record;
  return {
    error,
    items: items && redact(items),
    // Only succeeded items are reused on resume; a failed one is run again, its error is not needed.
    itemsSealed: items && cipher.encryptJson(items.map((i) => (i.status === 'succeeded' ? { status: i.status, output: i.output } : { status: i.status }))),
  };
}

// For a resumed run: the sealed copy, or — rows written before outputs were sealed — the plain column, which was raw then.

/** A stored step's raw output. */
export function openOutput(cipher: DataCipher, row: { output: unknown; output_encrypted: Buffer | null }): unknown {
  return row.output_encrypted ? cipher.decryptJson(row.output_encrypted) : row.output;
}

/** A stored forEach step's raw items (succeeded ones are not run again). */
export function openItems(cipher: DataCipher, row: { items: unknown; items_encrypted: Buffer | null }): ItemResult[] | null {
  return (row.items_encrypted ? cipher.decryptJson(row.items_encrypted) : row.items) as ItemResult[] | null;
}

/** One forEach item as recorded when it finishes: a succeeded one's raw output sealed, a failed one's (already shown) error. */
export function sealItem(cipher: DataCipher, item: ItemResult): { status: ItemResult['status']; outputSealed: Buffer | null; error: unknown } {
  if (item.status === 'succeeded') return { status: 'succeeded', outputSealed: cipher.encryptJson(item.output ?? null), error: null };
  return { status: 'failed', outputSealed: null, error: item.error ? redactError(item.error) : null };
}

/**
 * A step's items for a resumed run: those its last finished attempt stored (run_steps.items),
 * with the items recorded one by one since (run_step_items) over them. A succeeded item stays
 * succeeded whichever says so: it is never sent again.
 */
export function mergeItems(cipher: DataCipher, stored: ItemResult[] | null, recorded: Array<{ item_index: number; status: ItemResult['status']; output_encrypted: Buffer | null }>): ItemResult[] | null {
  if (recorded.length === 0) return stored;
  const items: ItemResult[] = [...(stored ?? [])];
  for (const row of recorded) {
    if (items[row.item_index]?.status === 'succeeded') continue;
    items[row.item_index] = row.status === 'succeeded' ? { status: 'succeeded', output: cipher.decryptJson(row.output_encrypted!) } : { status: 'failed' };
  }
  return items;
}

/** An error as stored and shown: its message redacted (idempotent, so it is applied on read too). */
export function redactError<E extends RunError>(error: E): E {
  return { ...error, message: redactText(String(error.message ?? '')) };
}
