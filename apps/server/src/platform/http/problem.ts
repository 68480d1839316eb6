import { HttpException } from '@nestjs/common';
import { PROBLEM_TYPES, type Problem, type ProblemFieldError, type ProblemKind } from '@visapi/contracts';
import { ZodValidationException } from 'nestjs-zod';
import type { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable';
import { BUDGET_SPENT_DETAIL, RedisBudgetSpentError } from '../redis/request-budget';

/** Thrown anywhere to answer with a problem document of a given kind. */
export class ProblemException extends HttpException {
  constructor(
    readonly kind: ProblemKind,
    detail?: string,
    readonly errors?: ProblemFieldError[],
    readonly headers: Record<string, string> = {},
    /** Extension members of the kind's type (RFC 9457 §3.2), e.g. `stripeCode` and `runbook`. */
    readonly extensions: Pick<Problem, 'stripeCode' | 'runbook'> = {},
  ) {
    super(detail ?? PROBLEM_TYPES[kind].title, PROBLEM_TYPES[kind].status);
  }
}

/** OpenAPI: the header every Redis-unavailable 503 carries (redisUnavailable). */
export const RETRY_AFTER_ONE = {
  'Retry-After': { description: 'Seconds to wait before retrying: `1` (Redis was down or late; docs/adr/0013-redis-outage-deadline.md).', schema: { type: 'integer', example: 1 } },
};

/**
 * A 503 because Redis is down or does not answer in time: nothing to do but retry, soon
 * (`Retry-After: 1`, docs/adr/0013-redis-outage-deadline.md). Clients that honour it spread
 * their retries instead of hammering a recovering Redis.
 */
export const redisUnavailable = (detail: string) => new ProblemException('unavailable', detail, undefined, { 'retry-after': '1' });

/**
 * The 503 for a Redis command that failed: saying the request ran out of time when nothing was
 * sent for that reason (RedisBudgetSpentError), else `detail`.
 */
export const redisUnavailableFor = (error: unknown, detail: string) => redisUnavailable(error instanceof RedisBudgetSpentError ? BUDGET_SPENT_DETAIL : detail);

const KIND_BY_STATUS = new Map<number, ProblemKind>(
  Object.entries(PROBLEM_TYPES).map(([kind, p]) => [p.status, kind as ProblemKind]),
);
// 400 and 422 have several kinds; a bare 400 or 422 is the generic one.
KIND_BY_STATUS.set(400, 'badRequest');
KIND_BY_STATUS.set(422, 'unprocessable');

/** Errors raised by Fastify before a route handler runs (body parsing, limits). */
const FASTIFY_CODES: Record<string, { kind: ProblemKind; detail: (e: Error) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { kind: 'payloadTooLarge', detail: () => 'The request body is larger than this endpoint accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    kind: 'unsupportedMediaType',
    detail: () => 'Send the body as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { kind: 'badRequest', detail: () => 'Content-Length does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { kind: 'malformedBody', detail: () => 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { kind: 'malformedBody', detail: () => 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_TYPE: { kind: 'badRequest', detail: (e) => e.message },
  VISAPI_JSON_TOO_DEEP: { kind: 'malformedBody', detail: (e) => e.message },
  VISAPI_FORM_TOO_MANY_FIELDS: { kind: 'payloadTooLarge', detail: (e) => e.message },
  FST_ERR_BAD_URL: { kind: 'badRequest', detail: () => 'The URL is malformed.' },
};

export interface ProblemResponse {
  status: number;
  body: Problem;
  headers: Record<string, string>;
  /** True when the error is ours (a 5xx): it is logged with its stack. */
  unexpected: boolean;
}

export function zodErrors(error: ZodError): ProblemFieldError[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}

/** `['steps', 0, 'id']` → `$.steps[0].id` */
export function jsonPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number'
        ? `${acc}[${part}]`
        : /^[A-Za-z_$][\w$]*$/.test(String(part))
          ? `${acc}.${String(part)}`
          : `${acc}[${JSON.stringify(String(part))}]`,
    '$',
  );
}

/** Maps any thrown value to the problem document the client receives. */
export function toProblem(error: unknown, instance?: string): ProblemResponse {
  const make = (kind: ProblemKind, detail?: string, errors?: ProblemFieldError[], headers: Record<string, string> = {}, extensions = {}) => {
    const { type, title, status } = PROBLEM_TYPES[kind];
    const body: Problem = { type, title, status, ...extensions };
    if (detail && detail !== title) body.detail = detail;
    if (instance) body.instance = instance;
    if (errors?.length) body.errors = errors;
    // An outage's 503 is expected: logged as a refusal, not as a failure with its stack.
    return { status, body, headers, unexpected: status >= 500 && kind !== 'unavailable' };
  };

  if (error instanceof ProblemException) return make(error.kind, error.message, error.errors, error.headers, error.extensions);
  if (error instanceof ZodValidationException) {
    return make('validation', 'The request does not match the expected schema.', zodErrors(error.getZodError() as ZodError));
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const kind = KIND_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'badRequest');
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response && 'message' in response ? (response as { message: unknown }).message : error.message;
    return make(kind, Array.isArray(message) ? message.join('; ') : String(message));
  }
  const code = (error as { code?: string } | null)?.code;
  if (code && FASTIFY_CODES[code]) {
    const { kind, detail } = FASTIFY_CODES[code];
    return make(kind, detail(error as Error));
  }
  // A dependency out of reach (the database, mostly): an outage, not a bug.
  if (isDatabaseUnavailable(error)) return make('unavailable', 'A service this request needs does not answer; retry shortly.');
  const statusCode = (error as { statusCode?: number } | null)?.statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return make(KIND_BY_STATUS.get(statusCode) ?? 'badRequest', (error as Error).message);
  }
  return make('internal', 'An unexpected error occurred; the request id identifies it in the server logs.');
}
