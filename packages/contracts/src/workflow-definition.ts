import { z } from 'zod';

/**
 * The workflow definition (SPEC §4), written once as zod schemas. Everything else is derived:
 * the TypeScript types (z.input: fields with defaults are optional, as written), and the JSON
 * Schema (draft 2020-12) that the server compiles with AJV, the OpenAPI document embeds and
 * the dashboard turns back into a validator as you type. Rules a schema cannot state (unique
 * step ids, cron syntax, time zones, semver, references to earlier steps, step types without
 * a connector, connector configs) are checked by the server after it.
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

const objectOf = () => z.record(z.string(), z.unknown());

const webhookKey = z.string().regex(new RegExp(WEBHOOK_KEY_PATTERN));
const signingSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/)
  .meta({ writeOnly: true, description: 'Standard Webhooks secret; write-only: no read ever returns it (reads say `signed: true`)' });

/** A webhook trigger as stored: the secret, when there is one, and never `signed`. */
const webhookTriggerSchema = z.strictObject({ type: z.literal('webhook'), key: webhookKey, signingSecret: signingSecret.optional() });

/** As written (POST, PUT, workflow:import): may also say `signed`, resolved against the stored secret and never stored. */
const webhookTriggerInputSchema = webhookTriggerSchema.extend({
  signed: z
    .boolean()
    .describe(
      'Reads show `true` where a secret is stored. On write, a trigger without `signingSecret` keeps the stored secret of the trigger with this key; `false` removes it; `true` where none is stored is a 400',
    )
    .optional(),
});

/** As every read shows it: no secret; `signed: true` where one is stored. */
const webhookTriggerViewSchema = z.strictObject({
  type: z.literal('webhook'),
  key: webhookKey,
  signed: z.literal(true).optional().describe('A signing secret is stored. It is never shown: rotate-secret issues a new one.'),
});

const cronTriggerSchema = z.strictObject({
  type: z.literal('cron'),
  schedule: z.string().min(9).max(120),
  timezone: z.string().min(1).max(64).default('UTC'),
  payload: objectOf().optional(),
  jitterSeconds: z.int().min(0).max(3600).optional(),
});

const manualTriggerSchema = z.strictObject({ type: z.literal('manual') });

export const workflowStepSchema = z.strictObject({
  id: z.string().regex(new RegExp(STEP_ID_PATTERN)),
  type: z.enum(STEP_TYPES),
  config: objectOf().default({}),
  retries: z.int().min(0).max(10).default(3),
  timeout: z.int().min(1000).max(300000).default(30000),
  if: z.string().min(1).max(2000).optional(),
  forEach: z
    .string()
    .regex(/^(input|vars|steps\.[a-zA-Z0-9_-]{1,50})(\.[a-zA-Z0-9_-]+)*$/)
    .optional(),
});

/**
 * The definition around one form of webhook trigger (stored, written or read). `ajv`: add AJV's
 * discriminator hint, for the written form only (the JSON Schema AJV compiles); OpenAPI's
 * discriminator wants named sub-schemas, so the read form, which OpenAPI embeds inline, goes without.
 */
function definitionWith<Webhook extends typeof webhookTriggerSchema | typeof webhookTriggerInputSchema | typeof webhookTriggerViewSchema>(webhook: Webhook, ajv = false) {
  const union = z.discriminatedUnion('type', [webhook, cronTriggerSchema, manualTriggerSchema]);
  // AJV's discriminator picks the branch by `type`, so a bad trigger gets that branch's errors only.
  const trigger = ajv ? union.meta({ type: 'object', required: ['type'], discriminator: { propertyName: 'type' } }) : union;
  return z.strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    version: z.string().regex(new RegExp(SEMVER_PATTERN)).describe('semver; every new version must be greater'),
    enabled: z.boolean().default(true),
    priority: z.enum(WORKFLOW_PRIORITIES).default('default').describe('picks the queue'),
    inputSchema: objectOf().describe('a JSON Schema every trigger payload must satisfy').optional(),
    variables: objectOf().describe('constants for templates, as vars.<name>').optional(),
    triggers: z.array(trigger).max(20).optional(),
    steps: z.array(workflowStepSchema).min(1).max(100),
  });
}

/** A definition as written (POST, PUT, workflow:import): the one the JSON Schema describes. */
export const workflowDefinitionInputSchema = definitionWith(webhookTriggerInputSchema, true);
/** A definition as stored in a version, signing secrets included. */
export const workflowDefinitionSchema = definitionWith(webhookTriggerSchema);
/** A definition as every read shows it: no signing secret. */
export const workflowDefinitionViewSchema = definitionWith(webhookTriggerViewSchema);

const { $schema, ...generated } = z.toJSONSchema(workflowDefinitionInputSchema, { target: 'draft-2020-12', io: 'input' });

/** The definition as written, as one JSON Schema (draft 2020-12), generated from the zod schema above. */
export const workflowDefinitionJsonSchema = {
  $schema,
  $id: 'https://visapi.local/schemas/workflow-definition.json',
  title: 'VisAPI workflow definition',
  ...generated,
} as Record<string, unknown> & { $schema: string; $id: string };

export type WebhookTrigger = z.input<typeof webhookTriggerSchema>;
export type CronTrigger = z.input<typeof cronTriggerSchema>;
export type ManualTrigger = z.input<typeof manualTriggerSchema>;
export type WorkflowTrigger = WebhookTrigger | CronTrigger | ManualTrigger;
export type WorkflowStep = z.input<typeof workflowStepSchema>;

/** A definition as stored in a version (signing secrets included): the server's own copy. */
export type WorkflowDefinition = z.input<typeof workflowDefinitionSchema>;

/**
 * A definition as written (POST, PUT, workflow:import): a webhook trigger may also say
 * `signed`, which the server resolves against the stored secret and never stores.
 */
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionInputSchema>;

/** A webhook trigger as every read shows it: no secret; `signed: true` where one is stored. */
export type WebhookTriggerView = z.input<typeof webhookTriggerViewSchema>;

/** A definition as every read shows it (API, versions, export, dashboard): no signing secret. */
export type WorkflowDefinitionView = z.input<typeof workflowDefinitionViewSchema>;
