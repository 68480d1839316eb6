import { sql, type RawBuilder } from 'kysely';

/**
 * Keyset paging newest-first on (created_at, id). created_at travels as PostgreSQL's own
 * UTC text with microseconds, because a JS Date would round it to milliseconds and make
 * pages skip or repeat rows.
 */
export function exactCreatedAt(): RawBuilder<string> {
  return sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function before(after: { at: string; id: string }, idType: 'uuid' | 'bigint'): RawBuilder<boolean> {
  return idType === 'uuid'
    ? sql<boolean>`(created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)`
    : sql<boolean>`(created_at, id) < (${after.at}::timestamptz, ${after.id}::bigint)`;
}
