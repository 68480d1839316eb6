import { USER_ROLES, type UserRole } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../platform/http/problem';
import { sendProblem } from '../platform/http/send-problem';
import { unauthorized } from './auth.guard';
import type { Authenticator } from './authenticator';

/**
 * An onRequest hook for a browser page mounted outside Nest (Bull-Board at /admin/queues): it
 * admits a dashboard session of at least `role`, resolved as the global guard does. API keys are
 * refused with 403 (valid credentials, but the page is a browser UI, as for any session-only
 * route); without a valid session a browser asking for HTML is sent to the sign-in page and back
 * to `back`, anything else gets the 401 problem.
 */
export function sessionPageGate(authenticator: Authenticator, options: { role: UserRole; back: string }) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const auth = await authenticator.authenticate(request);
    if (auth.outcome === 'ok') {
      const principal = auth.principal;
      if (principal.kind === 'apiKey') return refuse(new ProblemException('forbidden', 'This page takes a dashboard session, not an API key.'), request, reply);
      if (USER_ROLES.indexOf(principal.role) < USER_ROLES.indexOf(options.role)) {
        return refuse(new ProblemException('forbidden', `This needs the ${options.role} role.`), request, reply);
      }
      request.principal = principal;
      return undefined;
    }
    // No session, or one that ended (its cookie is still sent): a browser signs in again.
    const noSession = auth.outcome === 'none' || auth.credential === 'session';
    if (noSession && request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
      return reply.redirect(`/sign-in?next=${encodeURIComponent(options.back)}`, 302);
    }
    return refuse(unauthorized(), request, reply);
  };
}

function refuse(error: ProblemException, request: FastifyRequest, reply: FastifyReply) {
  sendProblem(error, request, reply);
  return reply;
}
