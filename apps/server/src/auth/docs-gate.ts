import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canonicalPath } from '../platform/http/request-path';
import { sendProblem } from '../platform/http/send-problem';
import { unauthorized } from './auth.guard';
import type { Authenticator } from './authenticator';

const DOCS = '/api/docs';

/**
 * Whether a request is for the docs: by the route Fastify matched (it decodes `%64ocs`), or by
 * the path in its canonical spelling — never by the raw URL.
 */
export function isDocsRequest(request: FastifyRequest): boolean {
  return Boolean(request.routeOptions.url?.startsWith(DOCS)) || canonicalPath(request.url).startsWith(DOCS);
}

/**
 * /api/docs and its document are served by Swagger's own routes, outside Nest's guards:
 * this hook admits a signed-in user or any valid API key. A browser without a session is
 * sent to the sign-in page and back.
 */
export function gateApiDocs(fastify: FastifyInstance, authenticator: Authenticator) {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!isDocsRequest(request)) return;
    const auth = await authenticator.authenticate(request);
    if (auth.outcome === 'ok') return;
    if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html') && auth.outcome === 'none') {
      // Back to the route matched (not the URL as typed: `//api/docs` would leave the origin).
      const route = request.routeOptions.url;
      const back = route?.startsWith(DOCS) && !/[*:]/.test(route) ? route : DOCS;
      return reply.redirect(`/sign-in?next=${encodeURIComponent(back)}`, 302);
    }
    sendProblem(unauthorized(), request, reply);
    return reply;
  });
}
