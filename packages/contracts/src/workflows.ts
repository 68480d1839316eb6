import { z } from 'zod';
import { STEP_TYPES, WORKFLOW_PRIORITIES } from './workflow-definition.js';

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

const definitionShape = z
  .object({ name: z.string(), version: z.string(), steps: z.array(z.object({ id: z.string(), type: z.enum(STEP_TYPES) }).loose()) })
  .loose();

export const workflowSchema = workflowSummarySchema.extend({
  definition: definitionShape,
  webhooks: z.array(z.object({ key: z.string(), url: z.string(), signed: z.boolean() })),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const workflowVersionSchema = z.object({
  id: z.uuid(),
  version: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.uuid().nullable(),
  definition: definitionShape,
});
export type WorkflowVersion = z.infer<typeof workflowVersionSchema>;

export const patchWorkflowSchema = z.object({ enabled: z.boolean() }).strict();

export const workflowsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
    includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();
