import { sql } from 'kysely';
import type { Runtime } from '../platform/runtime';

export interface SeedResult {
  admins: string[];
}

/**
 * Idempotent first-run data. Makes every address in ADMIN_EMAILS an admin user (created
 * when missing, promoted when present). Later features add their seeds here.
 */
export async function seed(runtime: Runtime): Promise<SeedResult> {
  const { db } = runtime.database;
  const admins = runtime.config.ADMIN_EMAILS;
  for (const email of admins) {
    await sql`
      INSERT INTO users (email, role) VALUES (${email}, 'admin')
      ON CONFLICT (lower(email)) DO UPDATE SET role = 'admin', updated_at = now()
      WHERE users.role <> 'admin'`.execute(db);
  }
  runtime.logger.info({ context: 'seed', admins: admins.length }, 'seed applied');
  return { admins };
}
