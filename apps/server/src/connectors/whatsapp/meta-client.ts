import { permanent, transient } from '../../engine/errors';
import { callProvider, readBody, retryAfterMs } from '../provider-http';
import type { WhatsAppMessage, WhatsAppProvider } from './whatsapp-send';

/** Graph API error codes worth retrying (PROVIDERS.md): rate limits and temporary failures. */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056]);
/** Codes that mean the template itself was refused: the message needs a person (SPEC §6). */
const TEMPLATE_CODES = new Set([132000, 132001, 132005, 132007, 132012, 132015, 132016]);

/**
 * The WhatsApp Cloud API: `POST /{phone-number-id}/messages` with a template message (the
 * template's provider reference as its name, its locale as the language, the variables as
 * body parameters in the order the template first uses them) or a text message.
 */
export class MetaClient implements WhatsAppProvider {
  private readonly url: string;

  constructor(
    apiUrl: string,
    private readonly token: string,
    phoneNumberId: string,
  ) {
    this.url = `${apiUrl.replace(/\/+$/, '')}/${encodeURIComponent(phoneNumberId)}/messages`;
  }

  async send(message: WhatsAppMessage, signal: AbortSignal) {
    const to = message.to.slice(1); // Cloud API numbers carry no plus
    const template = message.template;
    const body = template
      ? {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to,
          type: 'template',
          template: {
            name: template.providerRef,
            language: { code: template.locale },
            ...(template.parameters.length > 0 && {
              components: [{ type: 'body', parameters: template.parameters.map((name) => ({ type: 'text', text: template.variables[name] ?? '' })) }],
            }),
          },
        }
      : { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body: message.text } };
    const response = await callProvider('whatsapp.send (meta): messages', this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    const answer = (await readBody(response, 20_000)) as { messages?: Array<{ id?: string }>; contacts?: Array<{ wa_id?: string }>; error?: { message?: string; code?: number; error_subcode?: number } };
    if (response.ok) return { messageId: answer?.messages?.[0]?.id ?? null, contactId: answer?.contacts?.[0]?.wa_id };
    const code = answer?.error?.code;
    const what = template && code !== undefined && TEMPLATE_CODES.has(code) ? `template ${template.name} (${template.providerRef}/${template.locale}) rejected` : 'message refused';
    const summary = `whatsapp.send (meta): ${what}: HTTP ${response.status}, code ${code ?? 'none'}: ${answer?.error?.message ?? 'no error message'}`;
    const retryable = response.status === 429 || response.status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code));
    if (retryable) throw transient(summary, retryAfterMs(response.headers.get('retry-after')));
    throw permanent(summary);
  }
}
