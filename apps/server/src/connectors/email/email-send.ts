import { isRtlLocale } from '@visapi/contracts';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { z } from 'zod';
import { permanent, StepError, transient } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import { composeMessage } from '../messages';
import type { ConnectorDeps } from '../ports';
import { compact } from '../provider-http';

const address = z.email({ message: 'must be an e-mail address' });
export const emailSendConfigSchema = z
  .object({
    to: z.union([address, z.array(address).min(1).max(50)]),
    subject: z.string().min(1).max(998).optional(),
    template: z.string().min(1).max(100).optional(),
    text: z.string().min(1).optional(),
    html: z.string().min(1).optional(),
    locale: z.string().min(2).max(35).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((c) => c.template !== undefined || c.text !== undefined || c.html !== undefined, { message: 'needs template, text or html' })
  .refine((c) => c.template !== undefined || c.subject !== undefined, { message: 'needs a subject (or a template that has one)' });

export type EmailSendConfig = z.infer<typeof emailSendConfigSchema>;

/**
 * `email.send` over SMTP_URL (nodemailer), or into the outbox when no SMTP server is set.
 * A template gives subject and text; its HTML part is the text, escaped, in the template
 * language's direction. Inline `html` is rendered with HTML-escaped output (the step runner). SMTP 5xx answers are permanent, 4xx and connection failures
 * transient. Result `{messageId}`.
 */
export function emailSendStep(deps: ConnectorDeps): StepHandler<EmailSendConfig> {
  const { smtpUrl, from } = deps.settings.email;
  // nodemailer loads with the first mail sent over SMTP: a gateway imports this connector and never sends.
  let transport: Promise<Transporter> | undefined;
  return {
    type: 'email.send',
    configSchema: emailSendConfigSchema,
    // Inline html is HTML: what it interpolates (input, step outputs) is escaped; `| raw` opts out.
    htmlFields: ['html'],
    async execute(config, context) {
      const composed = await composeMessage(deps, 'email', { ...config, text: config.text ?? config.html }, context.scope);
      const subject = composed.subject ?? config.subject;
      if (!subject) throw permanent(`email.send: template ${config.template} has no subject and the step gives none`);
      const locale = composed.template?.locale ?? config.locale ?? deps.settings.defaultLocale;
      const html = config.html ?? (composed.template ? htmlOf(composed.text, locale) : undefined);
      const text = config.text ?? (composed.template ? composed.text : undefined);
      const mail = compact({ from, to: config.to, subject, text, html });
      if (!smtpUrl) {
        const recipient = Array.isArray(config.to) ? config.to.join(', ') : config.to;
        const { id } = await deps.outbox.record({ connector: 'email.send', runId: context.runId, stepId: context.stepId, recipient, payload: compact({ ...mail, template: composed.template }) });
        return { messageId: null, sandbox: true, outboxId: id };
      }
      transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl));
      try {
        const info = await sendAborted(await transport, mail, context.signal);
        return { messageId: info.messageId ?? null };
      } catch (error) {
        throw classify(error, context.signal);
      }
    },
  };
}

function sendAborted(transport: Transporter, mail: SendMailOptions, signal: AbortSignal): Promise<{ messageId?: string }> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    transport.sendMail(mail).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function classify(error: unknown, signal: AbortSignal): StepError {
  if (error instanceof StepError) return error;
  if (signal.aborted) return signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'mail aborted');
  const smtp = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const summary = `email.send: ${smtp.response ?? smtp.message ?? String(error)}`;
  if (smtp.responseCode && smtp.responseCode >= 500) return permanent(summary, error);
  if (smtp.code === 'EENVELOPE' && !smtp.responseCode) return permanent(summary, error);
  return transient(summary, undefined, error);
}

function htmlOf(text: string, locale: string): string {
  const dir = isRtlLocale(locale) ? 'rtl' : 'ltr';
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '<br>\n');
  return `<!doctype html><html lang="${locale}" dir="${dir}"><body><div dir="${dir}">${escaped}</div></body></html>`;
}
