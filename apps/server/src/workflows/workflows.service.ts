import { Inject, Injectable } from '@nestjs/common';
import type { RotatedWebhookSecret, Workflow, WorkflowDefinition, WorkflowDefinitionInput, WorkflowDefinitionView, WorkflowSummary, WorkflowVersion } from '@visapi/contracts';
import { inc as semverInc, gt as semverGreater } from 'semver';
import { actor, type Principal } from '../platform/http/principal';
import { LogService } from '../logs/log-write.service';
import type { Config } from '../platform/config/config';
import { keyset } from '../platform/http/cursor';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import { DefinitionValidator } from './definition-validator';
import { type MissingSecret, newSigningSecret, withoutSecrets, withRotatedSecret, withStoredSecrets } from './signing-secrets';
import { WorkflowCatalog } from './workflow-catalog';
import { WebhookKeyTaken, type WorkflowRow, WorkflowsRepository, type WorkflowVersionRow } from './workflows.repository';

interface Published {
  workflow: Workflow;
  /** Webhook keys that said `signed: true` with no secret to keep, stored unsigned (imports only). */
  unsigned: string[];
}

/** Workflows and their immutable versions (SPEC §4). No read returns a signing secret (signing-secrets.ts). */
@Injectable()
export class WorkflowsService {
  private readonly validator = new DefinitionValidator();

  constructor(
    private readonly repository: WorkflowsRepository,
    private readonly catalog: WorkflowCatalog,
    private readonly logs: LogService,
    @Inject(CONFIG) private readonly config: Pick<Config, 'PUBLIC_URL'>,
  ) {}

  async create(input: unknown, by?: Principal): Promise<Workflow> {
    return (await this.publishNew(this.validate(input), by, 'refuse')).workflow;
  }

  /** A new immutable version; its `version` must be greater than the current one. */
  async update(id: string, input: unknown, by?: Principal): Promise<Workflow> {
    return (await this.publishVersion(id, this.validate(input), by, 'refuse')).workflow;
  }

  /**
   * `visapi workflow:import`: a new workflow, or a new version of the active one with the same
   * name. An export carries no secrets, so a `signed: true` trigger with no secret to keep is
   * stored unsigned (it then takes API keys only) and listed, instead of refusing the file.
   */
  async import(input: unknown, by?: Principal): Promise<Published & { created: boolean }> {
    const definition = this.validate(input);
    const existing = await this.repository.findByName(definition.name);
    const published = existing ? await this.publishVersion(existing.id, definition, by, 'unsign') : await this.publishNew(definition, by, 'unsign');
    return { ...published, created: !existing };
  }

  /**
   * A new Standard Webhooks secret for one webhook trigger, published as the next patch
   * version (versions stay immutable). The old secret stops working at once. The answer is
   * the only place the new secret is ever shown.
   */
  async rotateSecret(id: string, key: string, by?: Principal): Promise<RotatedWebhookSecret> {
    const signingSecret = newSigningSecret();
    const { workflow, version, previous } = await this.repository.transaction(async (tx) => {
      const current = await this.repository.findForUpdate(tx, id);
      if (!current || current.archived_at) throw new ProblemException('notFound', 'No active workflow has this id.');
      const stored = await this.repository.definitionAt(tx, id, current.current_version);
      const next = semverInc(current.current_version, 'patch')!;
      const definition = stored && withRotatedSecret(stored, key, signingSecret, next);
      if (!definition) throw new ProblemException('notFound', 'The workflow has no webhook trigger with this key.');
      const version = await this.repository.insertVersion(tx, id, definition, createdBy(by));
      const workflow = await this.repository.setCurrentVersion(tx, id, next);
      return { workflow, version, previous: current.current_version };
    });
    await this.afterChange('workflow.secret_rotated', workflow, by, { key, from: previous, to: version.version });
    return { key, signingSecret, version: version.version };
  }

  /** The current definition for `visapi workflow:export`: without secrets unless asked (then audited). */
  async exportDefinition(id: string, withSecrets: boolean): Promise<WorkflowDefinition | WorkflowDefinitionView> {
    const workflow = await this.repository.findById(id);
    const version = workflow && (await this.repository.currentVersion(workflow));
    if (!workflow || !version) throw new ProblemException('notFound', 'No workflow has this id.');
    const definition = version.definition as unknown as WorkflowDefinition;
    if (!withSecrets) return withoutSecrets(definition);
    this.logs.audit({ actorId: null, action: 'workflow.secrets_exported', target: `workflow:${workflow.id}`, details: { actorType: 'cli', name: workflow.name, version: workflow.current_version } });
    return definition;
  }

  /** Whether any workflow was ever made (archived ones count): the first start imports examples only into an empty install. */
  hasAny(): Promise<boolean> {
    return this.repository.hasAny();
  }

  async get(id: string): Promise<Workflow> {
    const workflow = await this.repository.findById(id);
    if (!workflow) throw new ProblemException('notFound', 'No workflow has this id.');
    return this.toWorkflow(workflow, (await this.repository.currentVersion(workflow))!);
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

  private async publishNew(input: WorkflowDefinitionInput, by: Principal | undefined, missing: MissingSecret): Promise<Published> {
    const { definition, unsigned } = storable(input, undefined, missing);
    const { workflow, version } = await this.withWebhookConflicts(() =>
      this.repository.transaction(async (tx) => {
        const workflow = await this.repository.insertWorkflow(tx, definition, createdBy(by));
        const version = await this.repository.insertVersion(tx, workflow.id, definition, createdBy(by));
        await this.repository.replaceWebhooks(tx, workflow.id, webhookKeys(definition));
        return { workflow, version };
      }),
    );
    await this.afterChange('workflow.created', workflow, by, { version: definition.version });
    return { workflow: this.toWorkflow(workflow, version), unsigned };
  }

  private async publishVersion(id: string, input: WorkflowDefinitionInput, by: Principal | undefined, missing: MissingSecret): Promise<Published> {
    const { workflow, version, previous, unsigned } = await this.withWebhookConflicts(() =>
      this.repository.transaction(async (tx) => {
        const current = await this.repository.findForUpdate(tx, id);
        if (!current || current.archived_at) throw new ProblemException('notFound', 'No workflow has this id.');
        if (!semverGreater(input.version, current.current_version)) {
          throw new ProblemException('conflict', `version ${input.version} is not greater than the current ${current.current_version}`, [
            { path: '$.version', message: `must be greater than ${current.current_version}` },
          ]);
        }
        const { definition, unsigned } = storable(input, await this.repository.definitionAt(tx, id, current.current_version), missing);
        const version = await this.repository.insertVersion(tx, id, definition, createdBy(by));
        const workflow = await this.repository.updateWorkflow(tx, id, definition);
        await this.repository.replaceWebhooks(tx, id, webhookKeys(definition));
        return { workflow, version, previous: current.current_version, unsigned };
      }),
    );
    await this.afterChange('workflow.updated', workflow, by, { from: previous, to: input.version });
    return { workflow: this.toWorkflow(workflow, version), unsigned };
  }

  private validate(input: unknown): WorkflowDefinitionInput {
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
      definition: withoutSecrets(definition) as Workflow['definition'],
      webhooks: workflow.archived_at
        ? []
        : (definition.triggers ?? []).flatMap((t) =>
            t.type === 'webhook' ? [{ key: t.key, url: `${this.config.PUBLIC_URL}/api/v1/triggers/${t.key}`, signed: Boolean(t.signingSecret) }] : [],
          ),
    };
  }
}

const createdBy = (by: Principal | undefined) => (by?.kind === 'user' ? by.id : null);

/** The definition to store, with its secrets resolved against the current version; a 400 for `signed: true` with nothing to keep. */
function storable(input: WorkflowDefinitionInput, current: WorkflowDefinition | undefined, missing: MissingSecret) {
  const stored = withStoredSecrets(input, current, missing);
  if (stored.errors.length) throw new ProblemException('validation', 'The workflow definition is invalid.', stored.errors);
  return stored;
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
    definition: withoutSecrets(row.definition as unknown as WorkflowDefinition) as WorkflowVersion['definition'],
  };
}
