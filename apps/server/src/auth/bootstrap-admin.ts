import type { INestApplicationContext } from '@nestjs/common';
import { sql } from 'kysely';
import type { Runtime } from '../platform/runtime';
import { UsersRepository } from '../users/users.repository';
import { MagicLinksService } from './magic-links.service';

/**
 * SPEC §1: at first start (no admin yet), make one — the first of ADMIN_EMAILS, else
 * admin@localhost — and return a sign-in link for it, so a fresh install can be entered.
 */
export async function bootstrapAdminLink(app: INestApplicationContext, runtime: Runtime): Promise<string | undefined> {
  const { rows } = await sql<{ exists: boolean }>`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS exists`.execute(runtime.database.db);
  if (rows[0]?.exists) return undefined;
  const email = runtime.config.ADMIN_EMAILS[0] ?? 'admin@localhost';
  const users = app.get(UsersRepository);
  const user = await users.createIfMissing(email, 'admin');
  if (user.role !== 'admin') await users.setRole(user.id, 'admin');
  return app.get(MagicLinksService).createLink(email);
}
