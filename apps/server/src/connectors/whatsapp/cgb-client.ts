import { permanent, type StepError, transient } from '../../engine/errors';
import { callProvider, httpFailure, readBody } from '../provider-http';
import type { WhatsAppMessage, WhatsAppProvider } from './whatsapp-send';

const MAX_CACHED_CONTACTS = 10_000;

/**
 * The ChatGPT Builder API (PROVIDERS.md): the contact is found by its phone custom field
 * (created when missing; the mapping is cached), a template's variables are set as the
 * contact's custom fields (named like the variables), then its flow is sent; a text goes
 * to `send/text`.
 */
export class CgbClient implements WhatsAppProvider {
  private readonly contacts = new Map<string, string>();
  private readonly base: string;

  constructor(
    apiUrl: string,
    private readonly apiKey: string,
    private readonly phoneFieldId: string,
  ) {
    this.base = apiUrl.replace(/\/+$/, '');
  }

  async send(message: WhatsAppMessage, signal: AbortSignal) {
    const contactId = await this.contactFor(message.to, signal);
    try {
      let answer: unknown;
      if (message.template) {
        for (const [field, value] of Object.entries(message.template.variables)) {
          await this.call('set custom field', 'POST', `/contacts/${contactId}/custom_fields/${encodeURIComponent(field)}`, signal, new URLSearchParams({ value }));
        }
        answer = await this.call(`send flow ${message.template.providerRef} (template ${message.template.name})`, 'POST', `/contacts/${contactId}/send/${encodeURIComponent(message.template.providerRef)}`, signal);
      } else {
        answer = await this.call('send text', 'POST', `/contacts/${contactId}/send/text`, signal, { text: message.text, channel: 'whatsapp' });
      }
      const body = answer as { success?: boolean; message?: string; message_id?: unknown; data?: { message_id?: unknown } } | undefined;
      if (body?.success === false) throw permanent(`whatsapp.send (cgb): the provider refused the message: ${body.message ?? 'success: false'}`);
      const messageId = body?.message_id ?? body?.data?.message_id;
      return { messageId: messageId === undefined || messageId === null ? null : String(messageId), contactId };
    } catch (error) {
      // A contact deleted on the provider's side: forget it, so the retry looks it up again.
      if ((error as StepError & { status?: number }).status === 404) this.contacts.delete(message.to);
      throw error;
    }
  }

  private async contactFor(phone: string, signal: AbortSignal): Promise<string> {
    const cached = this.contacts.get(phone);
    if (cached) return cached;
    const query = new URLSearchParams({ field_id: this.phoneFieldId, value: phone });
    const found = (await this.call('find contact', 'GET', `/contacts/find_by_custom_field?${query}`, signal, undefined, true)) as { data?: Array<{ id?: unknown }> } | undefined;
    let id = found?.data?.[0]?.id;
    if (id === undefined || id === null) {
      const created = (await this.call('create contact', 'POST', '/contacts', signal, { phone })) as { id?: unknown; data?: { id?: unknown } };
      id = created?.id ?? created?.data?.id;
      if (id === undefined || id === null) throw transient('whatsapp.send (cgb): creating the contact answered without an id');
    }
    if (this.contacts.size >= MAX_CACHED_CONTACTS) this.contacts.delete(this.contacts.keys().next().value!);
    this.contacts.set(phone, String(id));
    return String(id);
  }

  private async call(what: string, method: string, path: string, signal: AbortSignal, body?: Record<string, unknown> | URLSearchParams, notFoundIsEmpty = false): Promise<unknown> {
    const headers: Record<string, string> = { 'x-access-token': this.apiKey, accept: 'application/json' };
    if (body && !(body instanceof URLSearchParams)) headers['content-type'] = 'application/json';
    const response = await callProvider(`whatsapp.send (cgb): ${what}`, `${this.base}${path}`, {
      method,
      headers,
      body: body instanceof URLSearchParams ? body : body ? JSON.stringify(body) : undefined,
      signal,
    });
    if (response.status === 404 && notFoundIsEmpty) return { data: [] };
    const answer = await readBody(response, 20_000);
    if (response.ok) return answer;
    const detail = typeof answer === 'object' && answer ? ((answer as { message?: string; error?: string }).message ?? (answer as { error?: string }).error ?? JSON.stringify(answer)) : String(answer);
    const error = httpFailure(`whatsapp.send (cgb): ${what} answered ${response.status}: ${String(detail).slice(0, 300)}`, response);
    throw Object.assign(error, { status: response.status });
  }
}
