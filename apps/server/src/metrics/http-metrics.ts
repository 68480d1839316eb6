import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Metrics, WebhookOutcome } from './metrics';

/** The webhook route's template, wherever it is served (Nest today, maybe bare Fastify later). */
export const WEBHOOK_ROUTE = '/api/v1/triggers/:key';

/** A webhook's outcome, from its answer: the one place every webhook request is counted. */
export function webhookOutcome(statusCode: number, replayed: boolean): WebhookOutcome {
  if (statusCode < 300) return replayed ? 'replayed' : 'accepted';
  switch (statusCode) {
    case 401:
    case 403:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 429:
      return 'rate_limited';
  }
  // 5xx: Redis (the queue, the rate limiter) did not answer, or our own error; nothing was accepted.
  return statusCode >= 500 ? 'unavailable' : 'invalid';
}

/**
 * Records every HTTP request in Fastify's onResponse hook — Nest routes, bare Fastify routes and
 * 404s alike — with the route template (Fastify's `routeOptions.url`), never the raw URL.
 * A callback hook (no promise) and Fastify's own elapsed time (no extra onRequest hook).
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    metrics.observeHttp(request.method, route, status, reply.elapsedTime / 1000);
    if (route === WEBHOOK_ROUTE) {
      metrics.webhook(webhookOutcome(status, reply.getHeader('idempotent-replayed') === 'true'));
    }
    done();
  });
}
