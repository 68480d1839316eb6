import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../platform/http/send-problem';
import { unauthorized } from './auth.guard';
import type { Authenticator } from './authenticator';

/**
 * /api/docs and its document are served by Swagger's own routes, outside Nest's guards:
 * this hook admits a signed-in user or any valid API key. A browser without a session is
 * sent to the sign-in page and back.
 */
export function gateApiDocs(fastify: FastifyInstance, authenticator: Authenticator) {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/docs')) return;
    const auth = await authenticator.authenticate(request);
    if (auth.outcome === 'ok') return;
    if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html') && auth.outcome === 'none') {
      return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 302);
    }
    sendProblem(unauthorized(), request, reply);
    return reply;
  });
}
