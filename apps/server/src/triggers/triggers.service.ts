import { Inject, Injectable } from '@nestjs/common';
import { type TriggerAccepted, WEBHOOK_KEY_PATTERN } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jsonBodyBytes } from '../platform/http/body-parsers';
import { ProblemException, redisUnavailableFor } from '../platform/http/problem';
import type { Principal } from '../platform/http/principal';
import { REDIS } from '../platform/platform.module';
import { RedisBudgetSpentError, requestBudget } from '../platform/redis/request-budget';
import type { RedisConnections } from '../platform/redis/redis';
import { FailedLookups } from '../rate-limit/failed-lookups';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { jobKeys } from '../queues/job-catalog';
import { RunProducer } from '../runs/run-producer';
import { type CatalogEntry, WorkflowCatalog } from '../workflows/workflow-catalog';
import { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, idempotencyRedisKey, idempotentRunId } from './idempotency';
import { WebhookAuth, type WebhookCaller } from './webhook-auth';

const KEY = new RegExp(WEBHOOK_KEY_PATTERN);

/** Starting runs from outside: a signed-in operator's manual trigger, and webhooks (SPEC §5.1). */
@Injectable()
export class TriggersService {
  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly runs: RunProducer,
    private readonly auth: WebhookAuth,
    private readonly idempotency: IdempotencyStore,
    private readonly failedLookups: FailedLookups,
    private readonly limiter: RateLimitService,
    @Inject(REDIS) private readonly redis: Pick<RedisConnections, 'prefix'>,
  ) {}

  /** 404 unless the workflow is active, 409 while it is disabled; the body is the run's input. */
  async triggerManually(workflowId: string, body: unknown, by: Principal, request: FastifyRequest): Promise<TriggerAccepted> {
    const entry = await this.catalog.get(workflowId);
    if (!entry || entry.workflow.archived_at) throw new ProblemException('notFound', 'No active workflow has this id.');
    if (!entry.workflow.enabled) throw new ProblemException('conflict', 'The workflow is disabled: enable it first.');
    const input = body ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new ProblemException('validation', 'The body must be a JSON object (the run’s input).', [{ path: '$', message: 'must be an object' }]);
    }
    return this.runs.enqueue({
      entry,
      input,
      inputJson: body == null ? undefined : jsonBodyBytes(request),
      trigger: { type: 'manual', actorId: by.id },
      requestId: String(request.id),
      budget: requestBudget(request),
    });
  }

  /**
   * A webhook: the key's enabled workflow (guessing clients throttled), the caller's API key or
   * signature, the body, then the run — once per Idempotency-Key (or signed webhook-id). A
   * replayed answer is marked with `Idempotent-Replayed: true`. While Redis is disconnected,
   * 503 before anything else.
   */
  async acceptWebhook(key: string, body: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    this.limiter.assertConnected();
    const budget = requestBudget(request);
    const { entry, trigger } = await this.webhookTarget(key, request.ip);
    const caller = await this.auth.authenticate(request, reply, entry.workflow.id, trigger);
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ProblemException('validation', 'The body must be a JSON object or a form.', [{ path: '$', message: 'must be an object' }]);
    }
    const accept = (runId?: string) =>
      this.runs.enqueue({
        entry,
        input: body,
        inputJson: jsonBodyBytes(request),
        trigger: { type: 'webhook', key, ...(caller.actorId ? { actorId: caller.actorId } : {}) },
        requestId: String(request.id),
        runId,
        budget,
      });
    const idemKey = idempotencyKey(caller, request.headers['idempotency-key']);
    if (!idemKey) return accept();

    const redisKey = idempotencyRedisKey(this.redis.prefix, caller.scope, idemKey);
    const runId = idempotentRunId(caller.scope, idemKey);
    const answer = this.runs.acceptance(entry.workflow.id, runId);
    const claim = await this.idempotency.claim(redisKey, jobKeys(runId, this.redis.prefix), request.rawBody ?? JSON.stringify(body), answer, budget).catch((error: unknown) => {
      // The claim may have reached Redis and only its answer been lost: let the retry claim again.
      if (!(error instanceof RedisBudgetSpentError)) void this.idempotency.release(redisKey).catch(() => undefined);
      throw redisUnavailableFor(error, 'The queue is unavailable (Redis does not answer); nothing was accepted. Retry shortly.');
    });
    if (claim.outcome === 'mismatch') throw new ProblemException('unprocessable', 'This Idempotency-Key was used with a different body.');
    if (claim.outcome === 'inflight') throw new ProblemException('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    if (claim.outcome === 'done') {
      void reply.header('idempotent-replayed', 'true');
      return claim.response;
    }
    let accepted: unknown;
    try {
      accepted = await accept(runId);
    } catch (error) {
      const released = this.idempotency.release(redisKey).catch(() => undefined);
      // A 503 is not held up by Redis a second time; its retry may meet the claim (409) until
      // the release lands, or find the job if the add did reach Redis (the run id is the key's).
      if (!(error instanceof ProblemException && error.kind === 'unavailable')) await released;
      throw error;
    }
    this.idempotency.done(redisKey);
    return accepted;
  }

  /** The enabled, unarchived workflow with this webhook key, or the one 404. */
  private async webhookTarget(key: string, ip: string | undefined) {
    const entry: CatalogEntry | undefined = KEY.test(key) ? await this.catalog.getByWebhookKey(key, () => this.failedLookups.check(ip, `hook:${key}`)) : undefined;
    const trigger = entry?.definition.triggers?.find((t) => t.type === 'webhook' && t.key === key);
    if (!entry || !trigger || trigger.type !== 'webhook' || !entry.workflow.enabled || entry.workflow.archived_at) {
      if (!entry) void this.failedLookups.failed(ip);
      throw new ProblemException('notFound', 'No enabled workflow has this webhook key.');
    }
    this.failedLookups.succeeded(`hook:${key}`);
    return { entry, trigger };
  }
}

/**
 * A signed message is deduplicated on its signed webhook-id, whatever Idempotency-Key says:
 * otherwise a captured message could be replayed with a fresh key within the tolerance.
 */
function idempotencyKey(caller: WebhookCaller, header: string | string[] | undefined): string | undefined {
  if (caller.webhookId !== undefined) return caller.webhookId;
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
    throw new ProblemException('validation', 'Idempotency-Key must be 1-255 printable ASCII characters.', [{ path: 'header:Idempotency-Key', message: 'invalid' }]);
  }
  return header;
}
