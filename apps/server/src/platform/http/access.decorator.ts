import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiServiceUnavailableResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Scope, UserRole } from '@visapi/contracts';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';
import { RETRY_AFTER_ONE } from './problem';

export const ACCESS = Symbol('access');

/** Every rate-limited route answers 503 (Retry-After: 1) when Redis, which holds the buckets, does not answer. */
const RATE_LIMIT_UNAVAILABLE = ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'Rate limiting is unavailable (Redis does not answer); nothing was accepted. Retry after Retry-After.' });

/**
 * Per-client-IP buckets of public routes: `signIn` (IP_RATE_LIMIT_*, tight: password guessing)
 * and `fileDownload` (FILE_DOWNLOAD_RATE_LIMIT_*, generous: many applicants share an address).
 */
export type IpRateLimit = 'signIn' | 'fileDownload';

export type AccessRule =
  /** No credentials; optionally limited per client IP. */
  | { public: true; ipRateLimit?: IpRateLimit }
  /**
   * An API key with `scope` (`any`: any valid key), or a session whose role is at least `role`.
   * A scope without a role: API keys only. Neither: sessions only, any role.
   */
  | { public?: false; scope?: Scope | 'any'; role?: UserRole };

/**
 * One line per route: `@Access({ scope: 'manage_keys', role: 'admin' })`. A route with
 * neither takes a session only; every route without this decorator is refused (deny by default).
 */
export function Access(rule: AccessRule) {
  const decorators: Array<ClassDecorator | MethodDecorator> = [SetMetadata(ACCESS, rule)];
  if (!rule.public) {
    decorators.push(
      ApiUnauthorizedResponse({ description: 'Missing, malformed, unknown, expired or revoked credentials.' }),
      ApiForbiddenResponse({ description: 'Valid credentials without the needed scope or role.' }),
    );
    if (rule.scope) {
      decorators.push(
        ApiSecurity('apiKey'),
        ApiSecurity('bearer'),
        ApiTooManyRequestsResponse({ description: 'Over the API key’s rate limit; see Retry-After.' }),
        RATE_LIMIT_UNAVAILABLE,
      );
    }
    decorators.push(ApiSecurity('session'));
  } else if (rule.ipRateLimit) {
    decorators.push(ApiTooManyRequestsResponse({ description: 'Too many requests from this address; see Retry-After.' }), RATE_LIMIT_UNAVAILABLE);
  }
  return applyDecorators(...decorators);
}

export const Public = (options: { ipRateLimit?: IpRateLimit } = {}) => Access({ public: true, ...options });

/** The authenticated principal of the request. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined => ctx.switchToHttp().getRequest<FastifyRequest>().principal,
);
