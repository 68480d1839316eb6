import { z } from 'zod';
import { permanent, transient } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import { AddressGuard } from '../address-guard';
import { composeMessage } from '../messages';
import type { ConnectorDeps } from '../ports';
import { callProvider, compact, httpFailure, readBody, retryAfterMs } from '../provider-http';

export const slackSendConfigSchema = z
  .object({
    channel: z.string().min(1).max(200).optional(),
    text: z.string().min(1).max(40_000).optional(),
    template: z.string().min(1).max(100).optional(),
    locale: z.string().min(2).max(35).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    blocks: z.array(z.record(z.string(), z.unknown())).min(1).max(50).optional(),
    threadTs: z.string().min(1).optional(),
    /** An incoming-webhook URL: posts there instead of chat.postMessage. */
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((c) => c.text !== undefined || c.template !== undefined, { message: 'needs text or template' });

export type SlackSendConfig = z.infer<typeof slackSendConfigSchema>;

/** Slack's `ok:false` errors worth retrying; every other one is permanent (SPEC §7). */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * `slack.send`: Web API `chat.postMessage` with the bot token, or an incoming webhook (the
 * step's `webhookUrl`, else SLACK_WEBHOOK_URL when there is no token). Without either it
 * runs in sandbox mode: the message goes to the outbox. Result `{channel, ts}`.
 */
export function slackSendStep(deps: ConnectorDeps): StepHandler<SlackSendConfig> {
  const { botToken, apiUrl, webhookUrl } = deps.settings.slack;
  // A step's webhook URL may come from templated input: like http.request, it may not reach
  // private or loopback addresses unless HTTP_STEP_ALLOWED_HOSTS allows (SLACK_WEBHOOK_URL is configuration, trusted).
  const guard = new AddressGuard(deps.settings.httpAllowedHosts, 'slack.send', deps.resolveHost);
  return {
    type: 'slack.send',
    configSchema: slackSendConfigSchema,
    async execute(config, context) {
      const message = await composeMessage(deps, 'slack', config, context.scope);
      const payload = { channel: config.channel, text: message.text, blocks: config.blocks, thread_ts: config.threadTs };
      if (config.webhookUrl) return postToWebhook(config.webhookUrl, payload, config.channel ?? null, context.signal, guard);
      if (webhookUrl && !botToken) return postToWebhook(webhookUrl, payload, config.channel ?? null, context.signal);
      if (!config.channel) throw permanent('slack.send: config.channel is required with a bot token');
      if (!botToken) {
        const { id } = await deps.outbox.record({ connector: 'slack.send', runId: context.runId, stepId: context.stepId, recipient: config.channel, payload: compact({ ...payload, template: message.template }) });
        return { channel: config.channel, ts: null, sandbox: true, outboxId: id };
      }
      const response = await callProvider('slack.send: chat.postMessage', `${apiUrl.replace(/\/+$/, '')}/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(compact(payload)),
        signal: context.signal,
      });
      if (response.status !== 200) throw httpFailure(`slack.send: chat.postMessage answered ${response.status}`, response);
      const body = (await readBody(response)) as { ok?: boolean; error?: string; channel?: string; ts?: string };
      if (body?.ok === true) return { channel: body.channel ?? config.channel, ts: body.ts ?? null };
      const error = body?.error ?? 'an answer without ok:true';
      const summary = `slack.send: chat.postMessage to ${config.channel} failed: ${error}`;
      if (TRANSIENT_ERRORS.has(error)) throw transient(summary, retryAfterMs(response.headers.get('retry-after')));
      throw permanent(summary);
    },
  };
}

async function postToWebhook(url: string, payload: Record<string, unknown>, channel: string | null, signal: AbortSignal, guard?: AddressGuard) {
  // Incoming webhooks post to the channel they were made for; `channel` is not sent.
  const response = await callProvider('slack.send: incoming webhook', url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(compact({ text: payload.text, blocks: payload.blocks, thread_ts: payload.thread_ts })),
    signal,
    guard,
  });
  if (response.ok) return { channel, ts: null };
  const detail = String(await readBody(response, 2_000)).trim();
  throw httpFailure(`slack.send: incoming webhook answered ${response.status}${detail ? ` ${detail}` : ''}`, response);
}
