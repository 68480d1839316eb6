import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { WorkflowDefinition } from '@visapi/contracts';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PubSubCache } from '../platform/cache/pubsub-cache';
import { isDatabaseUnavailable } from '../platform/db/unavailable';
import type { Logger } from 'pino';
import { LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { type WorkflowRow, WorkflowsRepository } from './workflows.repository';

/** A workflow as triggering and running need it: row, current definition, compiled inputSchema. */
export interface CatalogEntry {
  workflow: WorkflowRow;
  versionId: string;
  definition: WorkflowDefinition;
  validateInput?: ValidateFunction;
}

/** How long a workflow (and a webhook key's workflow id) is served from memory before it is read again. */
export const WORKFLOW_CACHE_TTL_MS = 60_000;

/**
 * Current workflows in memory, so triggering costs no database round trip (SPEC §5.1).
 * Any workflow change clears every process's copy through Redis pub/sub.
 */
@Injectable()
export class WorkflowCatalog implements OnModuleInit {
  private readonly byId: PubSubCache<CatalogEntry>;
  /** Webhook key → workflow id. */
  private readonly byKey: PubSubCache<string>;
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly versions = new Map<string, WorkflowDefinition>();
  ready: Promise<void> = Promise.resolve();

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: WorkflowsRepository,
  ) {
    addFormats(this.ajv);
    const subscriber = redis.create('subscriber', 'visapi:workflows:sub');
    const publisher = redis.create('command', 'visapi:workflows:pub');
    // Through a database outage a known workflow and webhook key are served from their last good entry.
    const options = { ttlMs: WORKFLOW_CACHE_TTL_MS, serveStaleOn: isDatabaseUnavailable };
    this.byId = new PubSubCache<CatalogEntry>(subscriber, publisher, this.changesChannel, options, logger);
    this.byKey = new PubSubCache<string>(subscriber, publisher, this.changesChannel, options, logger);
  }

  onModuleInit() {
    this.ready = Promise.all([this.byId.start(), this.byKey.start()]).then(() => undefined, (error: unknown) => {
      this.logger.error({ err: error }, 'workflow cache could not subscribe to changes; reading workflows from the database');
    });
  }

  async get(id: string): Promise<CatalogEntry | undefined> {
    const entry = await this.byId.getOrLoad(id, async () => {
      const workflow = await this.repository.findById(id);
      const version = workflow && (await this.repository.currentVersion(workflow));
      return workflow && version ? this.entry(workflow, version.id, version.definition as unknown as WorkflowDefinition) : null;
    });
    return entry ?? undefined;
  }

  /**
   * The workflow of a webhook key. `beforeLookup` runs only when the database must be asked
   * (the key is not cached): the caller's chance to refuse a client that guesses keys.
   */
  async getByWebhookKey(key: string, beforeLookup?: () => void): Promise<CatalogEntry | undefined> {
    const id = await this.byKey.getOrLoad(key, async () => {
      beforeLookup?.();
      return (await this.repository.workflowIdForWebhook(key)) ?? null;
    });
    return id ? this.get(id) : undefined;
  }

  /** A version's definition: immutable, so cached for the life of the process. */
  async version(versionId: string): Promise<WorkflowDefinition | undefined> {
    let definition = this.versions.get(versionId);
    if (!definition) {
      definition = await this.repository.versionDefinition(versionId);
      if (!definition) return undefined;
      if (this.versions.size >= 1_000) this.versions.delete(this.versions.keys().next().value!);
      this.versions.set(versionId, definition);
    }
    return definition;
  }

  /** What the cron scheduler must hold: enabled workflows with cron triggers, read fresh. */
  scheduledWorkflows(): Promise<Array<{ id: string; definition: WorkflowDefinition }>> {
    return this.repository.scheduled();
  }

  /** The channel every workflow change is announced on (pub/sub). */
  get changesChannel(): string {
    return this.redis.key('workflows', 'changed');
  }

  /** After any workflow change: every process forgets every workflow (one message clears both maps). */
  async changed(): Promise<void> {
    this.byKey.invalidate('*').catch(() => undefined);
    await this.byId.invalidate('*');
  }

  private entry(workflow: WorkflowRow, versionId: string, definition: WorkflowDefinition): CatalogEntry {
    return { workflow, versionId, definition, validateInput: definition.inputSchema ? this.ajv.compile(definition.inputSchema) : undefined };
  }
}
