import { z } from 'zod';
import { ProblemException } from './problem';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new ProblemException('validation', 'The cursor is not one this endpoint returned.', [{ path: '$.cursor', message: 'invalid cursor' }]);
}

const exactTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
/** The usual created_at + id cursor. `at` keeps PostgreSQL's microseconds as text. */
export const timeIdCursor = z.tuple([exactTime, z.uuid()]);
/** The same for tables keyed by a bigserial (logs). */
export const timeSerialCursor = z.tuple([exactTime, z.string().regex(/^\d{1,19}$/)]);

type After = { at: string; id: string };

/**
 * A newest-first keyset page: decodes the cursor (400 when forged), says how many rows to
 * fetch (one more than the page, to know whether another follows) and after which row, and
 * turns the fetched rows into the page.
 */
export function keyset(cursor: string | undefined, limit: number, schema: z.ZodType<[string, string]> = timeIdCursor) {
  const decoded = decodeCursor(cursor, schema);
  const after: After | undefined = decoded && { at: decoded[0], id: decoded[1] };
  return {
    take: limit + 1,
    after,
    page: <R extends After, T>(rows: R[], map: (row: R) => T) => toPage(rows, limit, map),
  };
}

/** Rows fetched with limit + 1: a row beyond the limit means a next page, starting after the last row shown. */
function toPage<R extends After, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null };
}
