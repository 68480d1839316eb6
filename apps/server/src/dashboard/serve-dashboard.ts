import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../platform/http/problem';
import { canonicalPath, pathOf } from '../platform/http/request-path';
import { sendProblem } from '../platform/http/send-problem';
import { acceptsHtml } from './accepts-html';

/**
 * Paths that are never the dashboard's, even for a browser asking for HTML: the API, the
 * server's own pages, stored files, the runbooks, and built assets that do not exist (a stale
 * page's script must fail, not get index.html).
 */
const NOT_DASHBOARD = /^\/(api|admin\/queues|metrics|livez|healthz|readyz|files|assets|docs\/runbooks)(\/|$)/;

/**
 * The build's copies of index.html with a page's heading and description already in the
 * shell (apps/dashboard/vite.config.ts, `pageFrames`): route path → file, from
 * `frames/routes.json`. Empty for a build without it.
 */
function readPageFrames(dir: string): Map<string, string> {
  const file = path.join(dir, 'frames', 'routes.json');
  if (!fs.existsSync(file)) return new Map();
  const routes = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(routes).filter(([, frame]) => fs.existsSync(path.join(dir, frame))));
}

/**
 * Serves the built single-page dashboard at `/`: its files as they are (hashed assets
 * cached for a year), and index.html (or the page's framed copy of it) for every other GET
 * whose Accept admits HTML (a browser's, curl's, a mail scanner's), so client-side routes
 * survive a reload and `/auth/callback?token=…` opens as a page that spends nothing until
 * the user signs in.
 * Anything else (`Accept: application/json`) falls through to the 404 problem.
 */
export async function serveDashboard(fastify: FastifyInstance, dir: string) {
  const index = path.join(dir, 'index.html');
  const built = fs.existsSync(index);
  const frames = built ? readPageFrames(dir) : new Map<string, string>();
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
    // A page with a frame gets its copy of index.html (the router's paths are case-sensitive).
    return reply.header('cache-control', 'no-cache').sendFile(frames.get(pathOf(request.url)) ?? 'index.html', dir);
  };
  fastify.get('/', fallback);
  fastify.get('/*', fallback);
}
