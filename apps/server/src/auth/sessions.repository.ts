import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { UserRole } from '@visapi/contracts';
import { DATABASE } from '../platform/platform.module';
import type { DatabaseHandle } from '../platform/db/database';

export interface SessionWithUser {
  id: string;
  user_id: string;
  email: string;
  role: UserRole;
  last_seen_at: Date;
  absolute_expires_at: Date;
  revoked_at: Date | null;
}

@Injectable()
export class SessionsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async insert(row: { token_hash: Buffer; user_id: string; absolute_expires_at: Date; ip: string | null; user_agent: string | null }) {
    return this.database.db.insertInto('sessions').values(row).returning('id').executeTakeFirstOrThrow();
  }

  findByTokenHash(tokenHash: Buffer): Promise<SessionWithUser | undefined> {
    return this.database.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.user_id',
        'users.email',
        'users.role',
        'sessions.last_seen_at',
        'sessions.absolute_expires_at',
        'sessions.revoked_at',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** The sessions of these ids with their users' current roles. */
  findByIds(ids: string[]): Promise<Array<Omit<SessionWithUser, 'email' | 'user_id'>>> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.database.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'users.role', 'sessions.last_seen_at', 'sessions.absolute_expires_at', 'sessions.revoked_at'])
      .where('sessions.id', 'in', ids)
      .execute();
  }

  async touch(id: string): Promise<void> {
    await this.database.db.updateTable('sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', id).execute();
  }

  async revoke(id: string): Promise<void> {
    await this.database.db.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
}
