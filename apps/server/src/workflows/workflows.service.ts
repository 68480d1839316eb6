import { Inject, Injectable } from '@nestjs/common';
import type { Workflow, WorkflowDefinition, WorkflowSummary, WorkflowVersion } from '@visapi/contracts';
import { gt as semverGreater } from 'semver';
import { actor, type Principal } from '../auth/principal';
import { LogService } from '../logs/log.service';
import type { Config } from '../platform/config/config';
import { keyset } from '../platform/http/cursor';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import { DefinitionValidator } from './definition-validator';
import { WorkflowCatalog } from './workflow-catalog';
import { WebhookKeyTaken, type WorkflowRow, WorkflowsRepository, type WorkflowVersionRow } from './workflows.repository';

/** Workflows and their immutable versions (SPEC §4). */
@Injectable()
export class WorkflowsService {
  private readonly validator = new DefinitionValidator();

  constructor(
    private readonly repository: WorkflowsRepository,
    private readonly catalog: WorkflowCatalog,
    private readonly logs: LogService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async create(input: unknown, by?: Principal): Promise<Workflow> {
    const definition = this.validate(input);
    const createdBy = by?.kind === 'user' ? by.id : null;
    const { workflow, version } = await this.withWebhookConflicts(() =>
      this.repository.transaction(async (tx) => {
        const workflow = await this.repository.insertWorkflow(tx, definition, createdBy);
        const version = await this.repository.insertVersion(tx, workflow.id, definition, createdBy);
        await this.repository.replaceWebhooks(tx, workflow.id, webhookKeys(definition));
        return { workflow, version };
      }),
    );
    await this.afterChange('workflow.created', workflow, by, { version: definition.version });
    return this.toWorkflow(workflow, version);
  }

  /** A new immutable version; its `version` must be greater than the current one. */
  async update(id: string, input: unknown, by?: Principal): Promise<Workflow> {
    const definition = this.validate(input);
    const createdBy = by?.kind === 'user' ? by.id : null;
    const { workflow, version, previous } = await this.withWebhookConflicts(() =>
      this.repository.transaction(async (tx) => {
        const current = await this.repository.findForUpdate(tx, id);
        if (!current || current.archived_at) throw new ProblemException('notFound', 'No workflow has this id.');
        if (!semverGreater(definition.version, current.current_version)) {
          throw new ProblemException('conflict', `version ${definition.version} is not greater than the current ${current.current_version}`, [
            { path: '$.version', message: `must be greater than ${current.current_version}` },
          ]);
        }
        const version = await this.repository.insertVersion(tx, id, definition, createdBy);
        const workflow = await this.repository.updateWorkflow(tx, id, definition);
        await this.repository.replaceWebhooks(tx, id, webhookKeys(definition));
        return { workflow, version, previous: current.current_version };
      }),
    );
    await this.afterChange('workflow.updated', workflow, by, { from: previous, to: definition.version });
    return this.toWorkflow(workflow, version);
  }

  async get(id: string): Promise<Workflow> {
    const workflow = await this.repository.findById(id);
    if (!workflow) throw new ProblemException('notFound', 'No workflow has this id.');
    return this.toWorkflow(workflow, (await this.repository.currentVersion(workflow))!);
  }

  async findByName(name: string): Promise<WorkflowRow | undefined> {
    return this.repository.findByName(name);
  }

  async list(limit: number, cursor: string | undefined, includeArchived = false): Promise<{ items: WorkflowSummary[]; nextCursor: string | null }> {
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.list(take, includeArchived, after), toSummary);
  }

  async versions(id: string, limit: number, cursor?: string): Promise<{ items: WorkflowVersion[]; nextCursor: string | null }> {
    if (!(await this.repository.findById(id))) throw new ProblemException('notFound', 'No workflow has this id.');
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.versions(id, take, after), toVersion);
  }

  async setEnabled(id: string, enabled: boolean, by?: Principal): Promise<Workflow> {
    const workflow = await this.repository.setEnabled(id, enabled);
    if (!workflow) throw new ProblemException('notFound', 'No active workflow has this id.');
    await this.afterChange(enabled ? 'workflow.enabled' : 'workflow.disabled', workflow, by, {});
    return this.toWorkflow(workflow, (await this.repository.currentVersion(workflow))!);
  }

  async archive(id: string, by?: Principal): Promise<void> {
    const workflow = await this.repository.archive(id);
    if (!workflow) {
      if (await this.repository.findById(id)) return; // already archived
      throw new ProblemException('notFound', 'No workflow has this id.');
    }
    await this.afterChange('workflow.archived', workflow, by, {});
  }

  private validate(input: unknown): WorkflowDefinition {
    const result = this.validator.check(input);
    if (!result.ok) throw new ProblemException('validation', 'The workflow definition is invalid.', result.errors);
    return result.definition;
  }

  private async withWebhookConflicts<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof WebhookKeyTaken) {
        throw new ProblemException('conflict', error.message, [{ path: '$.triggers', message: error.message }]);
      }
      throw error;
    }
  }

  /** Every change: caches everywhere forget (before the caller hears back), and an audit row is written. */
  private async afterChange(action: string, workflow: WorkflowRow, by: Principal | undefined, details: Record<string, unknown>) {
    await this.catalog.changed();
    const who = actor(by);
    this.logs.audit({ actorId: who.actorId, action, target: `workflow:${workflow.id}`, details: { ...details, actorType: who.actorType, name: workflow.name } });
  }

  private toWorkflow(workflow: WorkflowRow, version: WorkflowVersionRow): Workflow {
    const definition = version.definition as unknown as WorkflowDefinition;
    return {
      ...toSummary(workflow),
      definition: definition as unknown as Workflow['definition'],
      webhooks: workflow.archived_at
        ? []
        : (definition.triggers ?? []).flatMap((t) =>
            t.type === 'webhook' ? [{ key: t.key, url: `${this.config.PUBLIC_URL}/api/v1/triggers/${t.key}`, signed: Boolean(t.signingSecret) }] : [],
          ),
    };
  }
}

const webhookKeys = (d: WorkflowDefinition) => (d.triggers ?? []).flatMap((t) => (t.type === 'webhook' ? [t.key] : []));

function toSummary(row: WorkflowRow): WorkflowSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    priority: row.priority,
    version: row.current_version,
    archivedAt: row.archived_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toVersion(row: WorkflowVersionRow): WorkflowVersion {
  return {
    id: row.id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    definition: row.definition as unknown as WorkflowVersion['definition'],
  };
}
