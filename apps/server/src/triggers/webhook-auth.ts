import { Inject, Injectable } from '@nestjs/common';
import type { WorkflowTrigger } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import type { Config } from '../platform/config/config';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { clientBucketKey } from '../rate-limit/client-address';
import { verifyStandardWebhook } from './standard-webhooks';

export interface WebhookCaller {
  /** Idempotency scope: the API key, or the signing secret's trigger. */
  scope: string;
  /** The Standard Webhooks message id: on a signed request, always the idempotency key. */
  webhookId?: string;
  actorId?: string;
}

type WebhookTrigger = Extract<WorkflowTrigger, { type: 'webhook' }>;

/**
 * SPEC §5.1: an API key with scope `trigger` (rate-limited per key), or — when the trigger
 * has a signing secret — a valid Standard Webhooks signature over the raw body within five
 * minutes (rate-limited per client IP). Anything else is the one 401.
 */
@Injectable()
export class WebhookAuth {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimitService,
    @Inject(CONFIG) private readonly config: Pick<Config, 'SIGNED_WEBHOOK_RATE_LIMIT_BURST' | 'SIGNED_WEBHOOK_RATE_LIMIT_PER_SECOND'>,
  ) {}

  async authenticate(request: FastifyRequest, reply: FastifyReply, workflowId: string, trigger: WebhookTrigger): Promise<WebhookCaller> {
    const signed = typeof request.headers['webhook-signature'] === 'string';
    const hasKey = request.headers['x-api-key'] !== undefined || request.headers.authorization !== undefined;
    if (hasKey || !signed || !trigger.signingSecret) {
      const auth = await this.authenticator.authenticate(request);
      if (auth.outcome !== 'ok' || auth.principal.kind !== 'apiKey') throw unauthorized();
      const key = auth.principal;
      await this.limiter.enforce(`key:${key.id}`, key.rateLimit, reply, true);
      if (!key.scopes.includes('trigger')) throw new ProblemException('forbidden', 'This API key lacks the scope trigger.');
      return { scope: `key:${key.id}`, actorId: key.id };
    }
    const bucket = { burst: this.config.SIGNED_WEBHOOK_RATE_LIMIT_BURST, perSecond: this.config.SIGNED_WEBHOOK_RATE_LIMIT_PER_SECOND };
    await this.limiter.enforce(`ip:webhook:${clientBucketKey(request.ip)}`, bucket, reply, false);
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : '';
    };
    const message = {
      id: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
      body: request.rawBody ?? Buffer.alloc(0),
    };
    if (!verifyStandardWebhook(trigger.signingSecret, message)) throw unauthorized();
    return { scope: `sig:${workflowId}:${trigger.key}`, webhookId: message.id };
  }
}
