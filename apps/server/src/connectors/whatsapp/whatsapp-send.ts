import { z } from 'zod';
import type { StepHandler } from '../../engine/step-types';
import { composeMessage } from '../messages';
import type { ConnectorDeps } from '../ports';
import { compact } from '../provider-http';
import { CgbClient } from './cgb-client';
import { MetaClient } from './meta-client';

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const whatsappSendConfigSchema = z
  .object({
    to: z.string().regex(E164, 'must be a phone number in E.164 form, such as +972501234567'),
    text: z.string().min(1).max(4_096).optional(),
    template: z.string().min(1).max(100).optional(),
    locale: z.string().min(2).max(35).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((c) => c.text !== undefined || c.template !== undefined, { message: 'needs text or template' });

export type WhatsAppSendConfig = z.infer<typeof whatsappSendConfigSchema>;

/** A message as the providers get it: the template's reference and parameters, or a text. */
export interface WhatsAppMessage {
  to: string;
  /** Always the rendered text (what a text message says; what the outbox shows for a template). */
  text: string;
  template?: { name: string; providerRef: string; locale: string; variables: Record<string, string>; parameters: string[] };
}

export interface WhatsAppProvider {
  send(message: WhatsAppMessage, signal: AbortSignal): Promise<{ messageId: string | null; contactId?: string }>;
}

/**
 * `whatsapp.send` through WHATSAPP_PROVIDER: `cgb` (ChatGPT Builder contacts and flows) or
 * `meta` (WhatsApp Cloud API). Without that provider's credentials it runs in sandbox mode.
 * A template with a provider reference goes as the provider's template (or flow); one
 * without, and inline text, as a text message. Result `{messageId, contactId?}`.
 */
export function whatsappSendStep(deps: ConnectorDeps): StepHandler<WhatsAppSendConfig> {
  const { provider, cgb, meta } = deps.settings.whatsapp;
  const client: WhatsAppProvider | undefined =
    provider === 'cgb'
      ? cgb.apiKey
        ? new CgbClient(cgb.apiUrl, cgb.apiKey, cgb.phoneFieldId)
        : undefined
      : meta.token && meta.phoneNumberId
        ? new MetaClient(meta.apiUrl, meta.token, meta.phoneNumberId)
        : undefined;
  return {
    type: 'whatsapp.send',
    configSchema: whatsappSendConfigSchema,
    async execute(config, context) {
      const composed = await composeMessage(deps, 'whatsapp', config, context.scope);
      // The step's variables (cgb sets each as a custom field), or, rendered from the run's
      // scope, only the values the template outputs — never the scope itself.
      const given = config.variables && Object.fromEntries(Object.entries(config.variables).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
      const variables = given ?? composed.values;
      const message: WhatsAppMessage = {
        to: config.to,
        text: composed.text,
        template: composed.template?.providerRef
          ? { name: composed.template.name, providerRef: composed.template.providerRef, locale: composed.template.locale, variables, parameters: composed.parameters }
          : undefined,
      };
      if (!client) {
        const payload = compact({ provider, to: message.to, text: message.text, template: message.template, templateVersion: composed.template?.version });
        const { id } = await deps.outbox.record({ connector: 'whatsapp.send', runId: context.runId, stepId: context.stepId, recipient: config.to, payload });
        return { messageId: null, sandbox: true, outboxId: id };
      }
      return client.send(message, context.signal);
    },
  };
}
