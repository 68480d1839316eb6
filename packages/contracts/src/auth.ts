import { z } from 'zod';

/** API key scopes (SPEC §3.1). */
export const SCOPES = [
  'trigger',
  'read_logs',
  'manage_keys',
  'read_workflows',
  'manage_workflows',
  'read_runs',
  'manage_runs',
  'read_queues',
  'manage_queues',
  'manage_refunds',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Dashboard roles, weakest first (SPEC §3.3). */
export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const rateLimitSchema = z
  .object({
    burst: z.number().int().min(1).max(100_000),
    perSecond: z.number().positive().max(100_000),
  })
  .strict();

export const createApiKeySchema = z
  .object({
    label: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(SCOPES, { error: `must be one of ${SCOPES.join(', ')}` })).min(1).max(SCOPES.length),
    expiresInDays: z.number().int().min(1).max(365).optional(),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict();
export type CreateApiKey = z.infer<typeof createApiKeySchema>;

export const rotateApiKeySchema = z
  .object({ graceHours: z.number().int().min(0).max(168).optional() })
  .strict();

export const apiKeySchema = z.object({
  id: z.uuid(),
  label: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  rateLimit: rateLimitSchema.nullable(),
  expiresAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  previousSecretExpiresAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** The one response that carries the secret: creation and rotation. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

export const magicLinkRequestSchema = z.object({ email: z.email().max(254) }).strict();
export const verifyRequestSchema = z.object({ token: z.string().min(1).max(200) }).strict();

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  role: z.enum(USER_ROLES),
  createdAt: z.iso.datetime(),
  lastSignInAt: z.iso.datetime().nullable(),
});
export type User = z.infer<typeof userSchema>;

export const patchUserSchema = z.object({ role: z.enum(USER_ROLES) }).strict();

/** GET /auth/me with an API key: the key itself. */
export const apiKeyIdentitySchema = z.object({
  kind: z.literal('apiKey'),
  id: z.uuid(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
});
/** GET /auth/me with a session: the user and when the session ends unless used. */
export const sessionUserSchema = userSchema.extend({
  kind: z.literal('user'),
  /** The 30-minute idle limit, counted from the last request that was not a background one. */
  idleExpiresAt: z.iso.datetime(),
  /** The 12-hour absolute limit. */
  absoluteExpiresAt: z.iso.datetime(),
});
export type SessionUser = z.infer<typeof sessionUserSchema>;
export const meSchema = z.union([sessionUserSchema, apiKeyIdentitySchema]);

/**
 * A dashboard request the user did not make (polling, the event stream) sends this header
 * with value `1`: it does not extend the session's idle time (SPEC §9).
 */
export const BACKGROUND_HEADER = 'x-visapi-background';
