import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { AfterHook } from '@bull-board/api/typings/app';
import { FastifyAdapter } from '@bull-board/fastify';
import { BACKGROUND_HEADER } from '@visapi/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redact, redactText } from '../logs/redaction';
import { ProblemException } from '../platform/http/problem';
import { sendProblem } from '../platform/http/send-problem';
import { QUEUE_NAMES } from './job-catalog';
import type { QueuesService } from './queues.service';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The most jobs one listing may ask for: the board's own settings offer at most 300. Bull-board
 * takes any number, and loads and formats that many jobs in the gateway's memory (a day of
 * completed runs is millions).
 */
export const MAX_JOBS_PER_PAGE = 300;

/** Job fields the board shows that its formatters do not cover (they take data, returnValue, progress). */
const JOB_TEXT_FIELDS = new Set(['failedReason', 'stacktrace', 'deferredFailure', 'ignoredChildFailureReasons', 'template']);

/**
 * Bull-Board at /admin/queues (SPEC §11): read-only for every role, job contents redacted. Its
 * actions (retry, clean, promote, pause, empty…) would change runs behind the API's back — no
 * audit row, no run bookkeeping — so every request but GET/HEAD is refused here with 403,
 * whatever the role, before bull-board sees it; the queues are also mounted read-only, so the UI
 * shows no action buttons. `gate` decides who may look (create-app passes the session gate).
 */
export async function mountQueueBoard(
  fastify: FastifyInstance,
  options: { queues: QueuesService; gate: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>; contentSecurityPolicy: string },
) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  const adapters = QUEUE_NAMES.map((name) => {
    const adapter = new BullMQAdapter(options.queues.get(name), { readOnlyMode: true, allowRetries: false });
    for (const field of ['data', 'returnValue', 'progress'] as const) adapter.setFormatter(field, (value: unknown) => redact(value));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'VisAPI queues', miscLinks: [{ text: 'Back to the dashboard', url: '/' }], hideDocsLink: true, hideRedisDetails: true },
      handlerHooks: { after: redactJobText },
    },
  });
  const page = boardPage();

  await fastify.register(
    async (board) => {
      board.addHook('onRequest', async (request, reply) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          sendProblem(new ProblemException('forbidden', 'The queue board is read-only: retry, replay or cancel runs through the dashboard or /api/v1, which keep the audit trail.'), request, reply);
          return reply;
        }
        // The board polls its API every few seconds: that must not keep an unattended tab signed in.
        if (request.routeOptions.url?.startsWith(`${QUEUE_BOARD_PATH}/api/`)) request.headers[BACKGROUND_HEADER] = '1';
        // The gate answers (and returns the reply) when it refuses.
        if ((await options.gate(request, reply)) !== undefined) return reply;
        // The Redis panel is hidden (hideRedisDetails); its data (version, memory, clients) stays
        // out of reach too.
        if (request.url.split('?')[0]!.replace(/\/+$/, '') === `${QUEUE_BOARD_PATH}/api/redis/stats`) {
          sendProblem(new ProblemException('notFound', 'The queue board does not show Redis details.'), request, reply);
          return reply;
        }
        const { jobsPerPage } = (request.query ?? {}) as { jobsPerPage?: unknown };
        if (jobsPerPage !== undefined && !(Number(jobsPerPage) <= MAX_JOBS_PER_PAGE)) {
          sendProblem(new ProblemException('badRequest', `jobsPerPage is at most ${MAX_JOBS_PER_PAGE}.`), request, reply);
          return reply;
        }
      });
      board.addHook('onSend', async (_request, reply, payload) => {
        if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
        reply.header('content-security-policy', page.contentSecurityPolicy(options.contentSecurityPolicy));
        return page.withoutExternalFonts(payload);
      });
      // Writes bull-board does not route (and so would answer 404) are refused like the rest.
      for (const url of ['/', '/*']) board.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, handler: async () => undefined });
      await board.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}

/** Masks what failed jobs, job schedulers and job logs carry (messages and stacks quote inputs). */
const redactJobText: AfterHook = (context, result) => {
  if (context.route.endsWith('/:jobId/logs') && Array.isArray(result.body)) {
    return { ...result, body: result.body.map((line: unknown) => (typeof line === 'string' ? redactText(line) : redact(line))) };
  }
  return { ...result, body: redactFields(result.body) as typeof result.body };
};

function redactFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactFields);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, JOB_TEXT_FIELDS.has(key) ? redact(inner) : redactFields(inner)]));
}

/**
 * Bull-board's page as our CSP allows it. Its scripts are files of our origin; its inline
 * `<style>` element and `style` attributes are allowed by their hashes (read from its template
 * at boot), not by 'unsafe-inline'; and it links Google Fonts, which the page does without
 * (system fonts) rather than widen the CSP to a third party that would see every visit.
 */
function boardPage() {
  const template = readFileSync(path.join(path.dirname(require.resolve('@bull-board/ui/package.json')), 'dist', 'index.ejs'), 'utf8');
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const elements = [...template.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]!));
  const attributes = [...new Set([...template.matchAll(/\sstyle="([^"]*)"/g)].map((m) => hash(m[1]!)))];
  const styleSrc = ["'self'", ...elements, ...(attributes.length ? ["'unsafe-hashes'", ...attributes] : [])].join(' ');
  const externalFonts = /<link[^>]+href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/g;
  return {
    contentSecurityPolicy: (base: string) =>
      base
        .split(';')
        .map((d) => (d.trim().startsWith('style-src ') ? `style-src ${styleSrc}` : d))
        .join(';'),
    withoutExternalFonts: (html: string) => html.replace(externalFonts, ''),
  };
}
