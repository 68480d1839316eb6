import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DATABASE } from '../platform/platform.module';
import type { DatabaseHandle } from '../platform/db/database';
import type { ApiKeysTable } from '../platform/db/schema';
import { before, exactCreatedAt } from '../platform/db/keyset';

export type ApiKeyRow = Selectable<ApiKeysTable>;

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  insert(row: {
    label: string;
    prefix: string;
    secret_hash: Buffer;
    scopes: string[];
    rate_limit_burst: number | null;
    rate_limit_per_second: number | null;
    expires_at: Date;
    created_by: string | null;
  }): Promise<ApiKeyRow> {
    return this.db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
  }

  findByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
  }

  findById(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  list(limit: number, after?: { at: string; id: string }): Promise<Array<ApiKeyRow & { at: string }>> {
    let query = this.db
      .selectFrom('api_keys')
      .selectAll()
      .select(exactCreatedAt().as('at'))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }

  /** The new secret replaces the old one, which stays valid until graceUntil; `expiresAt`, when given, also shortens the key's life. */
  rotate(id: string, secretHash: Buffer, graceUntil: Date, expiresAt?: Date): Promise<ApiKeyRow | undefined> {
    return this.db
      .updateTable('api_keys')
      .set((eb) => ({
        previous_secret_hash: eb.ref('secret_hash'),
        previous_secret_expires_at: graceUntil,
        secret_hash: secretHash,
        ...(expiresAt ? { expires_at: expiresAt } : {}),
        updated_at: new Date(),
      }))
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /** Puts back the secrets and expiry of `before`, unless the key has changed since `rotated` (another rotation, a revoke). */
  async undoRotation(before: ApiKeyRow, rotated: ApiKeyRow): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({
        secret_hash: before.secret_hash,
        previous_secret_hash: before.previous_secret_hash,
        previous_secret_expires_at: before.previous_secret_expires_at,
        expires_at: before.expires_at,
        updated_at: new Date(),
      })
      .where('id', '=', rotated.id)
      .where('secret_hash', '=', rotated.secret_hash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  revoke(id: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
