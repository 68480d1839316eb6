import { sql } from 'kysely';
import type { Runtime } from '../platform/runtime';
import { SHIPPED_TEMPLATES } from '../templates/shipped-templates';

export interface SeedResult {
  admins: string[];
  templatesAdded: number;
}

/**
 * Idempotent first-run data. Makes every address in ADMIN_EMAILS an admin user (created
 * when missing, promoted when present) and adds the shipped templates that are missing
 * (an admin's edits are kept).
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
  const templatesAdded = await insertMissingTemplates(db, SHIPPED_TEMPLATES);
  runtime.logger.info({ context: 'seed', admins: admins.length, templatesAdded }, 'seed applied');
  return { admins, templatesAdded };
}

async function insertMissingTemplates(db: Runtime['database']['db'], templates: typeof SHIPPED_TEMPLATES): Promise<number> {
  const result = await db
    .insertInto('templates')
    .values(templates.map((t) => ({ name: t.name, channel: t.channel, locale: t.locale, subject: t.subject ?? null, body: t.body, provider_ref: t.providerRef ?? null, updated_by: null })))
    .onConflict((oc) => oc.columns(['name', 'channel', 'locale']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
