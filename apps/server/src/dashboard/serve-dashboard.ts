import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../platform/http/problem';
import { sendProblem } from '../platform/http/send-problem';

/** Paths that are never the dashboard's, even for a browser asking for HTML. */
const NOT_DASHBOARD = /^\/(api|admin\/queues|metrics|livez|healthz|readyz)(\/|$)/;

/**
 * Serves the built single-page dashboard at `/`: its files as they are (hashed assets
 * cached for a year), and index.html for every other GET a browser makes, so client-side
 * routes survive a reload. Anything else falls through to the 404 problem.
 */
export async function serveDashboard(fastify: FastifyInstance, dir: string) {
  const index = path.join(dir, 'index.html');
  const built = fs.existsSync(index);
  if (built) {
    await fastify.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: false,
      // The build writes .br/.gz beside each asset (vite.config.ts).
      preCompressed: true,
      setHeaders: (reply, filePath) => {
        const immutable = filePath.startsWith(path.join(dir, 'assets') + path.sep);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  const fallback = (request: FastifyRequest, reply: FastifyReply) => {
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (NOT_DASHBOARD.test(request.url) || !wantsHtml) return reply.callNotFound();
    if (!built) {
      return sendProblem(
        new ProblemException('unavailable', `The dashboard is not built: run "npm run build" (looked in ${dir}).`),
        request,
        reply,
      );
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  };
  fastify.get('/', fallback);
  fastify.get('/*', fallback);
}
