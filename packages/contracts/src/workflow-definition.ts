/**
 * The workflow definition (SPEC §4) as one JSON Schema (draft 2020-12): the server compiles
 * it once with AJV, the OpenAPI document embeds it, the dashboard validates with it as you
 * type. Rules a schema cannot state (unique step ids, cron syntax, time zones, semver,
 * references to earlier steps) are checked by the server after it.
 */

export const STEP_TYPES = ['slack.send', 'whatsapp.send', 'email.send', 'pdf.generate', 'image.process', 'http.request', 'delay'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const WORKFLOW_PRIORITIES = ['critical', 'default', 'bulk'] as const;
export type WorkflowPriority = (typeof WORKFLOW_PRIORITIES)[number];

export const STEP_ID_PATTERN = '^[a-zA-Z0-9_-]{1,50}$';
export const WEBHOOK_KEY_PATTERN = '^[a-z0-9][a-z0-9_-]{0,99}$';
/** semver.org's own expression. */
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

export const workflowDefinitionJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://visapi.local/schemas/workflow-definition.json',
  title: 'VisAPI workflow definition',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'steps'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    version: { type: 'string', pattern: SEMVER_PATTERN, description: 'semver; every new version must be greater' },
    enabled: { type: 'boolean', default: true },
    priority: { enum: WORKFLOW_PRIORITIES, default: 'default', description: 'picks the queue' },
    inputSchema: { type: 'object', description: 'a JSON Schema every trigger payload must satisfy' },
    variables: { type: 'object', description: 'constants for templates, as vars.<name>' },
    triggers: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['type'],
        discriminator: { propertyName: 'type' },
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'key'],
            properties: {
              type: { const: 'webhook' },
              key: { type: 'string', pattern: WEBHOOK_KEY_PATTERN },
              signingSecret: {
                type: 'string',
                pattern: '^whsec_[A-Za-z0-9+/=]{16,}$',
                writeOnly: true,
                description: 'Standard Webhooks secret; write-only: no read ever returns it (reads say `signed: true`)',
              },
              signed: {
                type: 'boolean',
                description:
                  'Reads show `true` where a secret is stored. On write, a trigger without `signingSecret` keeps the stored secret of the trigger with this key; `false` removes it; `true` where none is stored is a 400',
              },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'schedule'],
            properties: {
              type: { const: 'cron' },
              schedule: { type: 'string', minLength: 9, maxLength: 120 },
              timezone: { type: 'string', minLength: 1, maxLength: 64, default: 'UTC' },
              payload: { type: 'object' },
              jitterSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
            },
          },
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'manual' } } },
        ],
      },
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type'],
        properties: {
          id: { type: 'string', pattern: STEP_ID_PATTERN },
          type: { enum: STEP_TYPES },
          config: { type: 'object', default: {} },
          retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
          timeout: { type: 'integer', minimum: 1000, maximum: 300000, default: 30000 },
          if: { type: 'string', minLength: 1, maxLength: 2000 },
          forEach: { type: 'string', pattern: '^(input|vars|steps\\.[a-zA-Z0-9_-]{1,50})(\\.[a-zA-Z0-9_-]+)*$' },
        },
      },
    },
  },
} as const;

/** A webhook trigger as stored: the secret, when there is one, and never `signed`. */
export interface WebhookTrigger {
  type: 'webhook';
  key: string;
  signingSecret?: string;
}
export type CronTrigger = { type: 'cron'; schedule: string; timezone?: string; payload?: Record<string, unknown>; jitterSeconds?: number };
export type ManualTrigger = { type: 'manual' };
export type WorkflowTrigger = WebhookTrigger | CronTrigger | ManualTrigger;

export interface WorkflowStep {
  id: string;
  type: StepType;
  config?: Record<string, unknown>;
  retries?: number;
  timeout?: number;
  if?: string;
  forEach?: string;
}

interface DefinitionOf<Trigger> {
  name: string;
  description?: string;
  version: string;
  enabled?: boolean;
  priority?: WorkflowPriority;
  inputSchema?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  triggers?: Trigger[];
  steps: WorkflowStep[];
}

/** A definition as stored in a version (signing secrets included): the server's own copy. */
export type WorkflowDefinition = DefinitionOf<WorkflowTrigger>;

/**
 * A definition as written (POST, PUT, workflow:import): a webhook trigger may also say
 * `signed`, which the server resolves against the stored secret and never stores.
 */
export type WorkflowDefinitionInput = DefinitionOf<WorkflowTrigger | (WebhookTrigger & { signed?: boolean })>;

/** A webhook trigger as every read shows it: no secret; `signed: true` where one is stored. */
export interface WebhookTriggerView {
  type: 'webhook';
  key: string;
  signed?: true;
}

/** A definition as every read shows it (API, versions, export, dashboard): no signing secret. */
export type WorkflowDefinitionView = DefinitionOf<WebhookTriggerView | CronTrigger | ManualTrigger>;
