import type { INestApplicationContext } from '@nestjs/common';
import type { Runtime } from '../platform/runtime';
import { UsersService } from '../users/users.service';
import { MagicLinksService } from './magic-links.service';

/**
 * SPEC §1: at first start (no admin yet), make one — the first of ADMIN_EMAILS, else
 * admin@localhost — and return a sign-in link for it, so a fresh install can be entered.
 */
export async function bootstrapAdminLink(app: INestApplicationContext, runtime: Pick<Runtime, 'config'>): Promise<string | undefined> {
  const users = app.get(UsersService);
  if (await users.hasAdmin()) return undefined;
  const email = runtime.config.ADMIN_EMAILS[0] ?? 'admin@localhost';
  await users.ensureAdmin(email);
  return app.get(MagicLinksService).createLink(email);
}
