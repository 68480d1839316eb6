import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, toProblem } from './problem';
import { pathOf } from './request-path';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(error, pathOf(request.url));
  problem.body.requestId = String(request.id);
  if (problem.unexpected) request.log.error({ err: error }, 'request failed');
  // An outage's 503: a warning; the cause in full when it is not our own refusal.
  else if (problem.status >= 500) request.log.warn({ status: problem.status, problem: problem.body.type, ...(error instanceof ProblemException ? {} : { err: error }) }, 'request refused');
  else request.log.info({ status: problem.status, problem: problem.body.type }, 'request refused');
  if (reply.sent) return;
  void reply
    .code(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.body));
}
