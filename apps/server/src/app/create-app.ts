import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { ZodValidationPipe } from 'nestjs-zod';
import { Authenticator } from '../auth/authenticator';
import { gateApiDocs } from '../auth/docs-gate';
import { sessionPageGate } from '../auth/session-page-gate';
import { serveDashboard } from '../dashboard/serve-dashboard';
import { installHttpMetrics } from '../metrics/http-metrics';
import { Metrics } from '../metrics/metrics';
import { NestPinoLogger } from '../platform/logger/nest-logger';
import { installBodyParsers } from '../platform/http/body-parsers';
import { startRedisBudget } from '../platform/redis/request-budget';
import { helmetOptions, installSecurityHeaders, securityHeaders } from '../platform/http/security-headers';
import { buildOpenApiDocument, mountOpenApi } from '../platform/http/openapi';
import { ProblemDetailsFilter } from '../platform/http/problem.filter';
import { REQUEST_ID_HEADER, requestIdFor } from '../platform/http/request-id';
import { pathOf } from '../platform/http/request-path';
import { sendProblem } from '../platform/http/send-problem';
import type { Role } from '../platform/config/config';
import type { Runtime } from '../platform/runtime';
import { mountQueueBoard, QUEUE_BOARD_PATH } from '../queues/queue-board';
import { QueuesService } from '../queues/queues.service';
import { AppModule, servesApi } from './app.module';
import { VERSION } from './version';

const QUIET_ROUTES = new Set(['/livez', '/healthz', '/readyz']);

export interface CreateAppOptions {
  role: Role;
  /** Extra Nest modules (tests mount probe routes this way). */
  imports?: NonNullable<ModuleMetadata['imports']>;
  /** false: build routes only, run no lifecycle hooks, connect nothing (OpenAPI export). */
  init?: boolean;
}

/**
 * Errors raised before a handler runs (body too large, broken JSON, wrong type) reach
 * Fastify's error handler, where Nest would turn them into bare HttpExceptions and lose
 * their codes: answer them with problem details directly instead.
 */
class ProblemFastifyAdapter extends FastifyAdapter {
  override setErrorHandler() {
    return this.getInstance().setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  }
}

/** Builds the Nest application of a role, ready to listen. Every role serves health. */
export async function createApp(runtime: Runtime, options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config, logger } = runtime;
  const adapter = new ProblemFastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdFor,
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    // Per-IP limits key on request.ip: X-Forwarded-For counts only from TRUST_PROXY's proxies.
    trustProxy: config.TRUST_PROXY,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRole(options.role, runtime, options.imports),
    adapter,
    // Body parsing is ours (platform/http/body-parsers.ts), not Nest's.
    { logger: new NestPinoLogger(logger), abortOnError: false, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();

  // The first hook: a request's time for Redis counts from its arrival (until its body is in).
  fastify.addHook('onRequest', async (request, reply) => {
    startRedisBudget(request);
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  // While draining, every response closes its connection, so keep-alive clients reconnect
  // elsewhere and the listener can close as soon as the requests in flight finish.
  fastify.addHook('onSend', async (_request, reply) => {
    if (runtime.lifecycle.draining) reply.header('connection', 'close');
  });
  // The path only: a query may hold a live magic-link token or a log search (PII).
  fastify.addHook('onResponse', async (request, reply) => {
    const path = pathOf(request.url);
    const quiet = QUIET_ROUTES.has(path) && reply.statusCode < 400;
    request.log[quiet ? 'debug' : 'info'](
      { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  installHttpMetrics(fastify, app.get(Metrics));
  // JSON (and forms where a route opts in); anything else is 415.
  installBodyParsers(fastify);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(new ZodValidationPipe());
  installSecurityHeaders(fastify, config.PUBLIC_URL);

  if (servesApi(options.role)) {
    gateApiDocs(fastify, app.get(Authenticator));
    mountOpenApi(app, buildOpenApiDocument(app, VERSION));
    // Before the dashboard: its catch-all must not be the one answering /admin/queues.
    await mountQueueBoard(fastify, {
      queues: app.get(QueuesService),
      gate: sessionPageGate(app.get(Authenticator), { role: 'viewer', back: QUEUE_BOARD_PATH }),
      contentSecurityPolicy: securityHeaders(helmetOptions(config.PUBLIC_URL))['content-security-policy']!,
    });
    await serveDashboard(fastify, config.dashboardDir);
  }
  if (options.init !== false) await app.init();
  return app;
}
