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
