import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { DATABASE } from '../platform/platform.module';

/**
 * The retention job's deletes. Each takes at most `limit` rows picked through an index, so
 * nothing locks a table; each returns how many rows it deleted. The tables belong to other
 * features, but deleting expired rows by age is one job's concern, kept in one place.
 */
@Injectable()
export class RetentionRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  logsBefore(before: Date, limit: number): Promise<number> {
    return this.deleted(sql`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit})`);
  }

  /** Finished runs only (their steps cascade). */
  finishedRunsBefore(before: Date, limit: number): Promise<number> {
    return this.deleted(sql`DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE finished_at < ${before} AND status IN ('succeeded', 'dead', 'cancelled') ORDER BY finished_at LIMIT ${limit})`);
  }

  outboxBefore(before: Date, limit: number): Promise<number> {
    return this.deleted(sql`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit})`);
  }

  /** Sessions past their absolute expiry, or revoked. */
  endedSessions(now: Date, limit: number): Promise<number> {
    return this.deleted(sql`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE absolute_expires_at < ${now} OR revoked_at < ${now} LIMIT ${limit})`);
  }

  expiredMagicLinks(now: Date, limit: number): Promise<number> {
    return this.deleted(sql`DELETE FROM magic_link_tokens WHERE id IN (SELECT id FROM magic_link_tokens WHERE expires_at < ${now} LIMIT ${limit})`);
  }

  private async deleted(statement: ReturnType<typeof sql>): Promise<number> {
    const result = await statement.execute(this.database.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
