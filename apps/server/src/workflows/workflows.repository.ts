import { Inject, Injectable } from '@nestjs/common';
import type { WorkflowDefinition } from '@visapi/contracts';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';
import type { DB, WorkflowsTable, WorkflowVersionsTable } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';

export type WorkflowRow = Selectable<WorkflowsTable>;
export type WorkflowVersionRow = Selectable<WorkflowVersionsTable>;

/** A webhook key that another workflow already holds. */
export class WebhookKeyTaken extends Error {
  constructor(readonly key: string) {
    super(`webhook key "${key}" is used by another workflow`);
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

@Injectable()
export class WorkflowsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async insertWorkflow(tx: Transaction<DB>, definition: WorkflowDefinition, createdBy: string | null): Promise<WorkflowRow> {
    return tx
      .insertInto('workflows')
      .values({
        name: definition.name,
        description: definition.description ?? null,
        enabled: definition.enabled ?? true,
        priority: definition.priority ?? 'default',
        current_version: definition.version,
        created_by: createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Locks the workflow row for the rest of the transaction: versions are written one at a time. */
  findForUpdate(tx: Transaction<DB>, id: string): Promise<WorkflowRow | undefined> {
    return tx.selectFrom('workflows').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateWorkflow(tx: Transaction<DB>, id: string, definition: WorkflowDefinition): Promise<WorkflowRow> {
    return tx
      .updateTable('workflows')
      .set({
        name: definition.name,
        description: definition.description ?? null,
        enabled: definition.enabled ?? true,
        priority: definition.priority ?? 'default',
        current_version: definition.version,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Points the workflow at another of its versions, changing nothing else (enabled stays as set). */
  async setCurrentVersion(tx: Transaction<DB>, id: string, version: string): Promise<WorkflowRow> {
    return tx.updateTable('workflows').set({ current_version: version, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  insertVersion(tx: Transaction<DB>, workflowId: string, definition: WorkflowDefinition, createdBy: string | null): Promise<WorkflowVersionRow> {
    return tx
      .insertInto('workflow_versions')
      .values({ workflow_id: workflowId, version: definition.version, definition: JSON.stringify(definition), created_by: createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Makes the workflow's webhook keys exactly `keys`; throws WebhookKeyTaken on a clash. */
  async replaceWebhooks(tx: Transaction<DB>, workflowId: string, keys: string[]): Promise<void> {
    await tx.deleteFrom('workflow_webhooks').where('workflow_id', '=', workflowId).execute();
    for (const key of keys) {
      try {
        await tx.insertInto('workflow_webhooks').values({ key, workflow_id: workflowId }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new WebhookKeyTaken(key);
        throw error;
      }
    }
  }

  /** The stored definition of one version of a workflow, read inside the caller's transaction. */
  async definitionAt(tx: Transaction<DB>, workflowId: string, version: string): Promise<WorkflowDefinition | undefined> {
    const row = await tx.selectFrom('workflow_versions').select('definition').where('workflow_id', '=', workflowId).where('version', '=', version).executeTakeFirst();
    return row?.definition as unknown as WorkflowDefinition | undefined;
  }

  async versionDefinition(versionId: string): Promise<WorkflowDefinition | undefined> {
    const row = await this.db.selectFrom('workflow_versions').select('definition').where('id', '=', versionId).executeTakeFirst();
    return row?.definition as unknown as WorkflowDefinition | undefined;
  }

  async workflowIdForWebhook(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('workflow_webhooks').select('workflow_id').where('key', '=', key).executeTakeFirst();
    return row?.workflow_id;
  }

  /** Enabled, unarchived workflows whose current definition has a cron trigger. */
  async scheduled(): Promise<Array<{ id: string; definition: WorkflowDefinition }>> {
    const { rows } = await sql<{ id: string; definition: WorkflowDefinition }>`
      SELECT w.id, v.definition FROM workflows w
      JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version
      WHERE w.enabled AND w.archived_at IS NULL AND v.definition -> 'triggers' @> '[{"type": "cron"}]'::jsonb`.execute(this.db);
    return rows;
  }

  /** Whether any workflow exists, archived ones included. */
  async hasAny(): Promise<boolean> {
    return (await this.db.selectFrom('workflows').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  findById(id: string): Promise<WorkflowRow | undefined> {
    return this.db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst();
  }

  currentVersion(workflow: WorkflowRow): Promise<WorkflowVersionRow | undefined> {
    return this.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where('workflow_id', '=', workflow.id)
      .where('version', '=', workflow.current_version)
      .executeTakeFirst();
  }

  findByName(name: string): Promise<WorkflowRow | undefined> {
    return this.db.selectFrom('workflows').selectAll().where('name', '=', name).where('archived_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
  }

  list(limit: number, includeArchived: boolean, after?: { at: string; id: string }): Promise<Array<WorkflowRow & { at: string }>> {
    let query = this.db.selectFrom('workflows').selectAll().select(exactCreatedAt().as('at')).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    if (!includeArchived) query = query.where('archived_at', 'is', null);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }

  versions(workflowId: string, limit: number, after?: { at: string; id: string }): Promise<Array<WorkflowVersionRow & { at: string }>> {
    let query = this.db
      .selectFrom('workflow_versions')
      .selectAll()
      .select(exactCreatedAt().as('at'))
      .where('workflow_id', '=', workflowId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }

  setEnabled(id: string, enabled: boolean): Promise<WorkflowRow | undefined> {
    return this.db.updateTable('workflows').set({ enabled, updated_at: new Date() }).where('id', '=', id).where('archived_at', 'is', null).returningAll().executeTakeFirst();
  }

  /** Archives: disabled, its webhook keys released. */
  archive(id: string): Promise<WorkflowRow | undefined> {
    return this.transaction(async (tx) => {
      const row = await tx
        .updateTable('workflows')
        .set({ archived_at: new Date(), enabled: false, updated_at: new Date() })
        .where('id', '=', id)
        .where('archived_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row) await tx.deleteFrom('workflow_webhooks').where('workflow_id', '=', id).execute();
      return row;
    });
  }
}
