import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE } from '../platform/platform.module';
import type { DatabaseHandle } from '../platform/db/database';

@Injectable()
export class MagicLinksRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async insert(row: { token_hash: Buffer; email: string; expires_at: Date; request_ip: string | null }): Promise<void> {
    await this.database.db.insertInto('magic_link_tokens').values(row).execute();
  }

  /** Uses a token up, atomically: only one caller ever gets its e-mail back. */
  async consume(tokenHash: Buffer): Promise<string | undefined> {
    const row = await this.database.db
      .updateTable('magic_link_tokens')
      .set({ used_at: sql<Date>`now()` })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('email')
      .executeTakeFirst();
    return row?.email;
  }
}
