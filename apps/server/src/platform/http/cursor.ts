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

/** The usual created_at + id cursor. `at` keeps PostgreSQL's microseconds as text. */
export const timeIdCursor = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/), z.uuid()]);

/**
 * One page of a newest-first keyset listing: `rows` were fetched with limit + 1, so a row
 * beyond the limit means there is a next page, which starts after the last row shown.
 */
export function toPage<R extends { at: string; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null };
}
