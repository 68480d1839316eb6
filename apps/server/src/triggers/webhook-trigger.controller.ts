import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiSecurity,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { triggerAcceptedSchema, WEBHOOK_KEY_PATTERN, WORKFLOW_PRIORITIES } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Public } from '../platform/http/access.decorator';
import type { BodyRouteConfig } from '../platform/http/body-parsers';
import { ProblemException } from '../platform/http/problem';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { FailedLookups } from '../rate-limit/failed-lookups';
import { RunsService } from '../runs/runs.service';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, idempotentRunId } from './idempotency';
import { WebhookAuth } from './webhook-auth';

export const WEBHOOK_BODY_LIMIT = 512 * 1024;
const KEY = new RegExp(WEBHOOK_KEY_PATTERN);

class TriggerAcceptedDto extends createZodDto(triggerAcceptedSchema) {}

@ApiTags('triggers')
@Controller('api/v1/triggers')
export class WebhookTriggerController {
  private readonly idempotency: IdempotencyStore;
  private readonly prefix: string;

  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    private readonly catalog: WorkflowCatalog,
    private readonly auth: WebhookAuth,
    private readonly runs: RunsService,
    private readonly failedLookups: FailedLookups,
  ) {
    this.idempotency = new IdempotencyStore(runtime.redis.create('command', 'visapi:idempotency'), runtime.config.REDIS_PREFIX);
    this.prefix = runtime.config.REDIS_PREFIX;
  }

  @Post(':key')
  @HttpCode(202)
  @Public()
  @RouteConfig({ bodyLimit: WEBHOOK_BODY_LIMIT, acceptForms: true } satisfies BodyRouteConfig)
  @ApiOperation({
    summary: 'Webhook: start a workflow',
    description:
      'An API key with scope trigger, or a Standard Webhooks signature (over the raw body, JSON or form) when the trigger has a signing secret. JSON or form bodies up to 512 KB and 1,000 form fields. 202 once the run is queued. Idempotency-Key makes repeats safe for 24 h; a signed request is always deduplicated on its webhook-id (Idempotency-Key is ignored).',
  })
  @ApiSecurity('apiKey')
  @ApiSecurity('bearer')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 printable characters; ignored on a signed request, whose webhook-id is the key' })
  @ApiBody({ schema: { type: 'object' }, description: 'The run’s input (application/json or application/x-www-form-urlencoded)' })
  @ApiAcceptedResponse({ type: TriggerAcceptedDto })
  @ApiNotFoundResponse({ description: 'Unknown key, or the workflow is disabled.' })
  @ApiConflictResponse({ description: 'A request with this Idempotency-Key is still in flight.' })
  @ApiPayloadTooLargeResponse({ description: 'The body is over 512 KB, or a form has more than 1,000 fields.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Neither JSON nor a form.' })
  @ApiUnprocessableEntityResponse({ description: 'The payload fails inputSchema, or the Idempotency-Key was used with another body.' })
  async trigger(@Param('key') key: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const entry = KEY.test(key) ? await this.catalog.getByWebhookKey(key, () => this.failedLookups.check(request.ip, `hook:${key}`)) : undefined;
    const trigger = entry?.definition.triggers?.find((t) => t.type === 'webhook' && t.key === key);
    if (!entry || !trigger || trigger.type !== 'webhook' || !entry.workflow.enabled || entry.workflow.archived_at) {
      if (!entry) await this.failedLookups.failed(request.ip);
      throw new ProblemException('notFound', 'No enabled workflow has this webhook key.');
    }
    this.failedLookups.succeeded(`hook:${key}`);
    const caller = await this.auth.authenticate(request, reply, entry.workflow.id, trigger);
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ProblemException('validation', 'The body must be a JSON object or a form.', [{ path: '$', message: 'must be an object' }]);
    }

    // A signed message is deduplicated on its signed webhook-id, whatever Idempotency-Key says:
    // otherwise a captured message could be replayed with a fresh key within the tolerance.
    const header = caller.webhookId === undefined ? request.headers['idempotency-key'] : undefined;
    const idemKey = caller.webhookId ?? (typeof header === 'string' ? header : undefined);
    if (header !== undefined && (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header))) {
      throw new ProblemException('validation', 'Idempotency-Key must be 1-255 printable ASCII characters.', [{ path: 'header:Idempotency-Key', message: 'invalid' }]);
    }
    const accept = (runId?: string) =>
      this.runs.enqueue({ entry, input: body, trigger: { type: 'webhook', key, ...(caller.actorId ? { actorId: caller.actorId } : {}) }, requestId: String(request.id), runId });
    if (!idemKey) return accept();

    const redisKey = this.idempotency.redisKey(caller.scope, idemKey);
    const runId = idempotentRunId(caller.scope, idemKey);
    const answer = this.runs.acceptance(entry.workflow.id, runId);
    const jobKeys = WORKFLOW_PRIORITIES.map((queue) => `${this.prefix}:${queue}:${runId}`);
    const claim = await this.idempotency.claim(redisKey, jobKeys, request.rawBody ?? JSON.stringify(body), answer).catch(() => {
      throw new ProblemException('unavailable', 'The queue is unavailable (Redis does not answer); nothing was accepted. Retry shortly.');
    });
    if (claim.outcome === 'mismatch') throw new ProblemException('unprocessable', 'This Idempotency-Key was used with a different body.');
    if (claim.outcome === 'inflight') throw new ProblemException('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    if (claim.outcome === 'done') {
      void reply.header('idempotent-replayed', 'true');
      return claim.response;
    }
    try {
      return await accept(runId);
    } catch (error) {
      await this.idempotency.release(redisKey).catch(() => undefined);
      throw error;
    }
  }
}
