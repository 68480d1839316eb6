import { Inject, Injectable } from '@nestjs/common';
import type { PutTemplate, TemplateChannel } from '@visapi/contracts';
import { type Selectable, sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import type { TemplatesTable } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';

export type TemplateRow = Selectable<TemplatesTable>;

@Injectable()
export class TemplatesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** The template's rows for any of these locales. */
  findIn(name: string, channel: TemplateChannel, locales: string[]): Promise<TemplateRow[]> {
    return this.database.db.selectFrom('templates').selectAll().where('name', '=', name).where('channel', '=', channel).where(sql<string>`lower(locale)`, 'in', locales.map((l) => l.toLowerCase())).execute();
  }

  list(filter: { name?: string; channel?: TemplateChannel; locale?: string }): Promise<TemplateRow[]> {
    let query = this.database.db.selectFrom('templates').selectAll().orderBy('name').orderBy('channel').orderBy('locale').limit(1_000);
    if (filter.name) query = query.where('name', '=', filter.name);
    if (filter.channel) query = query.where('channel', '=', filter.channel);
    if (filter.locale) query = query.where('locale', '=', filter.locale);
    return query.execute();
  }

  /** Adds the templates that do not exist yet (an admin's edits are kept); how many were added. */
  async insertMissing(templates: ReadonlyArray<PutTemplate>): Promise<number> {
    const result = await this.database.db
      .insertInto('templates')
      .values(templates.map((t) => ({ name: t.name, channel: t.channel, locale: t.locale, subject: t.subject ?? null, body: t.body, provider_ref: t.providerRef ?? null, updated_by: null })))
      .onConflict((oc) => oc.columns(['name', 'channel', 'locale']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** Creates the template, or stores its next version; `created` says which. */
  async upsert(template: PutTemplate, by: string | null): Promise<TemplateRow & { created: boolean }> {
    const { rows } = await sql<TemplateRow & { created: boolean }>`
      INSERT INTO templates (name, channel, locale, subject, body, provider_ref, updated_by)
      VALUES (${template.name}, ${template.channel}, ${template.locale}, ${template.subject ?? null}, ${template.body}, ${template.providerRef ?? null}, ${by})
      ON CONFLICT (name, channel, locale) DO UPDATE SET
        subject = EXCLUDED.subject, body = EXCLUDED.body, provider_ref = EXCLUDED.provider_ref,
        updated_by = EXCLUDED.updated_by, version = templates.version + 1, updated_at = now()
      RETURNING *, (xmax = 0) AS created`.execute(this.database.db);
    return rows[0]!;
  }
}
