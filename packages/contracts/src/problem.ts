import { z } from 'zod';

/** One entry of `errors` in a problem document: where the problem is, and what it is. */
export const problemFieldErrorSchema = z.object({
  path: z.string(),
  message: z.string(),
  /** Where in a text the problem is (a template's syntax error), 1-based. */
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});

/** RFC 9457 problem details, as every VisAPI error response carries them. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(problemFieldErrorSchema).optional(),
  /** `/problems/provider-refused` from a refund: Stripe's error code (`amount_too_large`, …). */
  stripeCode: z.string().optional(),
  /** Where an operator reads what to do about this problem (a runbook in docs/runbooks). */
  runbook: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;
export type ProblemFieldError = z.infer<typeof problemFieldErrorSchema>;

/**
 * The problem types VisAPI answers with. Each `type` is a relative URI reference
 * (RFC 9457 §3.1.1); docs/problems.md describes each one.
 */
export const PROBLEM_TYPES = {
  badRequest: { type: '/problems/bad-request', title: 'Bad request', status: 400 },
  malformedBody: { type: '/problems/malformed-body', title: 'Malformed request body', status: 400 },
  validation: { type: '/problems/validation', title: 'Validation failed', status: 400 },
  unauthorized: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401 },
  forbidden: { type: '/problems/forbidden', title: 'Forbidden', status: 403 },
  notFound: { type: '/problems/not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
  conflict: { type: '/problems/conflict', title: 'Conflict', status: 409 },
  payloadTooLarge: { type: '/problems/payload-too-large', title: 'Payload too large', status: 413 },
  unsupportedMediaType: {
    type: '/problems/unsupported-media-type',
    title: 'Unsupported media type',
    status: 415,
  },
  unprocessable: { type: '/problems/unprocessable', title: 'Unprocessable content', status: 422 },
  tooManyRequests: { type: '/problems/too-many-requests', title: 'Too many requests', status: 429 },
  internal: { type: '/problems/internal', title: 'Internal server error', status: 500 },
  unavailable: { type: '/problems/unavailable', title: 'Service unavailable', status: 503 },
  /** A provider (Stripe) refused the request: its message, `stripeCode` and a `runbook` link. */
  providerRefused: { type: '/problems/provider-refused', title: 'Refused by the provider', status: 422 },
  /** A provider was unreachable or kept failing (5xx, 429) after retries. */
  badGateway: { type: '/problems/bad-gateway', title: 'Bad gateway', status: 502 },
} as const satisfies Record<string, { type: string; title: string; status: number }>;

export type ProblemKind = keyof typeof PROBLEM_TYPES;
