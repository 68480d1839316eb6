import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import type { UserRole } from '@visapi/contracts';
import { DATABASE } from '../platform/platform.module';
import type { DatabaseHandle } from '../platform/db/database';
import type { UsersTable } from '../platform/db/schema';
import { before, exactCreatedAt } from '../platform/db/keyset';

export type UserRow = Selectable<UsersTable>;

@Injectable()
export class UsersRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Just-in-time provisioning at sign-in; an ADMIN_EMAILS address is promoted to admin. */
  async signIn(email: string, isAdmin: boolean): Promise<{ user: UserRow; created: boolean }> {
    const role: UserRole = isAdmin ? 'admin' : 'viewer';
    const result = await sql<UserRow & { created: boolean }>`
      INSERT INTO users (email, role, last_sign_in_at) VALUES (${email}, ${role}, now())
      ON CONFLICT (lower(email)) DO UPDATE
        SET last_sign_in_at = now(),
            role = CASE WHEN ${isAdmin} THEN 'admin' ELSE users.role END,
            updated_at = now()
      RETURNING *, (xmax = 0) AS created`.execute(this.database.db);
    const { created, ...user } = result.rows[0]!;
    return { user, created };
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.database.db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  }

  list(limit: number, after?: { at: string; id: string }): Promise<Array<UserRow & { at: string }>> {
    let query = this.database.db
      .selectFrom('users')
      .selectAll()
      .select(exactCreatedAt().as('at'))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }

  setRole(id: string, role: UserRole): Promise<UserRow | undefined> {
    return this.database.db.updateTable('users').set({ role, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /**
   * Changes a role unless that would leave no admin: undefined when refused (or no such user).
   * The admins' rows are locked, so two admins demoting each other at once cannot both succeed.
   */
  async setRoleKeepingAnAdmin(id: string, role: UserRole): Promise<UserRow | undefined> {
    const { rows } = await sql<UserRow>`
      WITH admins AS (SELECT id FROM users WHERE role = 'admin' FOR UPDATE)
      UPDATE users SET role = ${role}, updated_at = now()
      WHERE id = ${id} AND (${role} = 'admin' OR role <> 'admin' OR (SELECT count(*) FROM admins) > 1)
      RETURNING *`.execute(this.database.db);
    return rows[0];
  }

  async hasAdmin(): Promise<boolean> {
    const { rows } = await sql<{ exists: boolean }>`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS exists`.execute(this.database.db);
    return rows[0]?.exists ?? false;
  }

  /** Creates the user as admin, or promotes them (seed: ADMIN_EMAILS). */
  async makeAdmin(email: string): Promise<void> {
    await sql`
      INSERT INTO users (email, role) VALUES (${email}, 'admin')
      ON CONFLICT (lower(email)) DO UPDATE SET role = 'admin', updated_at = now()
      WHERE users.role <> 'admin'`.execute(this.database.db);
  }

  createIfMissing(email: string, role: UserRole): Promise<UserRow> {
    return sql<UserRow>`
      INSERT INTO users (email, role) VALUES (${email}, ${role})
      ON CONFLICT (lower(email)) DO UPDATE SET updated_at = users.updated_at
      RETURNING *`
      .execute(this.database.db)
      .then((r) => r.rows[0]!);
  }
}
