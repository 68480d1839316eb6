import { z } from 'zod';
import { WORKFLOW_PRIORITIES, workflowDefinitionViewSchema } from './workflow-definition.js';

export const workflowSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  priority: z.enum(WORKFLOW_PRIORITIES),
  version: z.string(),
  archivedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type WorkflowSummary = z.infer<typeof workflowSummarySchema>;

/** The definition (SPEC §4) as every read shows it: defaults filled in, signing secrets left out. */
const definitionView = workflowDefinitionViewSchema.describe(
  'The definition with defaults filled in. Webhook signing secrets are never included: a signed trigger says `signed: true`.',
);

export const workflowSchema = workflowSummarySchema.extend({
  definition: definitionView,
  webhooks: z.array(z.object({ key: z.string(), url: z.string(), signed: z.boolean() })),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const workflowVersionSchema = z.object({
  id: z.uuid(),
  version: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.uuid().nullable(),
  definition: definitionView,
});
export type WorkflowVersion = z.infer<typeof workflowVersionSchema>;

/** The answer to rotate-secret: the only time the new secret is shown. */
export const rotatedWebhookSecretSchema = z.object({
  key: z.string(),
  signingSecret: z.string().describe('whsec_ + base64 of 32 random bytes (Standard Webhooks); shown only in this answer'),
  version: z.string().describe('The version this rotation published'),
});
export type RotatedWebhookSecret = z.infer<typeof rotatedWebhookSecretSchema>;

export const patchWorkflowSchema = z.object({ enabled: z.boolean() }).strict();

export const workflowsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
    includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();
