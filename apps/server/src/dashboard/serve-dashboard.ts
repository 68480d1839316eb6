import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../platform/http/problem';
import { canonicalPath } from '../platform/http/request-path';
import { sendProblem } from '../platform/http/send-problem';
import { acceptsHtml } from './accepts-html';

/**
 * Paths that are never the dashboard's, even for a browser asking for HTML: the API, the
 * server's own pages, stored files, the runbooks, and built assets that do not exist (a stale
 * page's script must fail, not get index.html).
 */
const NOT_DASHBOARD = /^\/(api|admin\/queues|metrics|livez|healthz|readyz|files|assets|docs\/runbooks)(\/|$)/;

/**
 * Serves the built single-page dashboard at `/`: its files as they are (hashed assets
 * cached for a year), and index.html for every other GET whose Accept admits HTML (a
 * browser's, curl's, a mail scanner's), so client-side routes survive a reload and
 * `/auth/callback?token=…` opens as a page that spends nothing until the user signs in.
 * Anything else (`Accept: application/json`) falls through to the 404 problem.
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
    if (NOT_DASHBOARD.test(canonicalPath(request.url)) || !acceptsHtml(request.headers.accept)) return reply.callNotFound();
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
