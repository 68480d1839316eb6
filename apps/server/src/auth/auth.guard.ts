import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { USER_ROLES, type UserRole } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import type { Config } from '../platform/config/config';
import { clientBucketKey } from '../rate-limit/client-address';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ACCESS, type AccessRule, type IpRateLimit } from '../platform/http/access.decorator';
import type { Bucket } from '../rate-limit/rate-limiter';
import { Authenticator } from './authenticator';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const rank = (role: UserRole) => USER_ROLES.indexOf(role);

/** One body for every authentication failure: no oracle (SPEC §3.1). */
export const unauthorized = () => new ProblemException('unauthorized', 'Missing or invalid credentials.');

/**
 * The global guard: every Nest route states its rule with @Access (or @Public), and is
 * refused without one. API keys are rate-limited here, per key, shared across gateways.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly allowedOrigin: string;
  private readonly ipBuckets: Record<IpRateLimit, Bucket>;

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimitService,
    @Inject(CONFIG)
    config: Pick<Config, 'PUBLIC_URL' | 'IP_RATE_LIMIT_BURST' | 'IP_RATE_LIMIT_PER_SECOND' | 'FILE_DOWNLOAD_RATE_LIMIT_BURST' | 'FILE_DOWNLOAD_RATE_LIMIT_PER_SECOND'>,
  ) {
    this.allowedOrigin = new URL(config.PUBLIC_URL).origin;
    this.ipBuckets = {
      signIn: { burst: config.IP_RATE_LIMIT_BURST, perSecond: config.IP_RATE_LIMIT_PER_SECOND },
      fileDownload: { burst: config.FILE_DOWNLOAD_RATE_LIMIT_BURST, perSecond: config.FILE_DOWNLOAD_RATE_LIMIT_PER_SECOND },
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (!rule) throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no @Access rule`);

    if (rule.public) {
      if (rule.ipRateLimit) {
        // Per route as well as per kind: each route has its own bucket.
        await this.limiter.enforce(`ip:${request.routeOptions.url}:${clientBucketKey(request.ip)}`, this.ipBuckets[rule.ipRateLimit], reply, false);
      }
      return true;
    }

    const auth = await this.authenticator.authenticate(request);
    if (auth.outcome !== 'ok') throw unauthorized();
    const principal = auth.principal;
    request.principal = principal;

    if (principal.kind === 'apiKey') {
      await this.limiter.enforce(`key:${principal.id}`, principal.rateLimit, reply, true);
      if (!rule.scope || (rule.scope !== 'any' && !principal.scopes.includes(rule.scope))) {
        throw new ProblemException('forbidden', rule.scope ? `This API key lacks the scope ${rule.scope}.` : 'This route takes a dashboard session, not an API key.');
      }
      return true;
    }

    if (UNSAFE_METHODS.has(request.method) && this.originOf(request) !== this.allowedOrigin) {
      throw new ProblemException('forbidden', 'A request that changes state with a session cookie must come from the dashboard’s own origin.');
    }
    // A rule naming a scope but no role is for API keys only: a session is refused, never
    // let through at the weakest role (deny by default).
    if (rule.scope && !rule.role) throw new ProblemException('forbidden', 'This route takes an API key, not a dashboard session.');
    const needed = rule.role ?? 'viewer';
    if (rank(principal.role) < rank(needed)) throw new ProblemException('forbidden', `This needs the ${needed} role.`);
    return true;
  }

  private originOf(request: FastifyRequest): string | undefined {
    const origin = request.headers.origin;
    if (origin) return origin;
    try {
      return request.headers.referer ? new URL(request.headers.referer).origin : undefined;
    } catch {
      return undefined;
    }
  }
}
