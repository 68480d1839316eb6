import type { Scope, UserRole } from '@visapi/contracts';

/** Who is making a request: a service with an API key, or a signed-in dashboard user. */
export type Principal =
  | { kind: 'apiKey'; id: string; prefix: string; scopes: Scope[]; rateLimit: { burst: number; perSecond: number }; expiresAt: Date }
  | { kind: 'user'; id: string; email: string; role: UserRole; sessionId: string; idleExpiresAt: Date; absoluteExpiresAt: Date };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Audit fields for whoever acted. */
export function actor(principal: Principal | undefined): { actorId: string | null; actorType: string } {
  if (!principal) return { actorId: null, actorType: 'system' };
  return { actorId: principal.id, actorType: principal.kind === 'apiKey' ? 'api_key' : 'user' };
}
