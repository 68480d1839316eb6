import type { Runtime } from '../platform/runtime';
import { SHIPPED_TEMPLATES } from '../templates/shipped-templates';
import { TemplatesRepository } from '../templates/templates.repository';
import { UsersRepository } from '../users/users.repository';

export interface SeedResult {
  admins: string[];
  templatesAdded: number;
}

/**
 * Idempotent first-run data. Makes every address in ADMIN_EMAILS an admin user (created
 * when missing, promoted when present) and adds the shipped templates that are missing
 * (an admin's edits are kept). Runs before any Nest application exists (at boot and in the
 * CLI), so it builds the repositories it needs itself.
 */
export async function seed(runtime: Pick<Runtime, 'config' | 'database' | 'logger'>): Promise<SeedResult> {
  const users = new UsersRepository(runtime.database);
  const admins = runtime.config.ADMIN_EMAILS;
  for (const email of admins) await users.makeAdmin(email);
  const templatesAdded = await new TemplatesRepository(runtime.database).insertMissing(SHIPPED_TEMPLATES);
  runtime.logger.info({ context: 'seed', admins: admins.length, templatesAdded }, 'seed applied');
  return { admins, templatesAdded };
}
