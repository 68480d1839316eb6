import { FakeProvider } from './fake-provider';

interface Contact {
  id: number;
  phone: string;
  fields: Record<string, string>;
}

/**
 * The ChatGPT Builder API (PROVIDERS.md): X-ACCESS-TOKEN checked; contacts found by a
 * custom field, created, given field values (form bodies), sent texts and flows.
 */
export class FakeCgb extends FakeProvider {
  readonly apiKey = 'cgb-test-key';
  readonly contacts: Contact[] = [{ id: 123, phone: '+972501234567', fields: {} }];
  readonly flows = new Map([['111', 'application_status_update_en'], ['112', 'application_status_update_he']]);
  readonly sent: Array<{ contactId: number; flowId?: string; text?: string; fields: Record<string, string> }> = [];
  private nextId = 500;

  constructor() {
    super('/api');
    const authed = (handler: Parameters<FakeProvider['on']>[2]): Parameters<FakeProvider['on']>[2] => (req, match) =>
      req.headers['x-access-token'] === this.apiKey ? handler(req, match) : { status: 401, body: { message: 'Unauthenticated.' } };
    this.on('GET', /^\/contacts\/find_by_custom_field$/, authed((req) => {
      const field = req.query.get('field_id');
      const value = req.query.get('value');
      const found = this.contacts.filter((c) => (field === 'phone' ? c.phone : c.fields[field ?? '']) === value);
      return { status: 200, body: { data: found.map((c) => ({ id: c.id, custom_fields: [{ id: 'phone', value: c.phone }] })) } };
    }));
    this.on('POST', /^\/contacts$/, authed((req) => {
      const phone = (req.body as { phone?: string })?.phone;
      if (!phone?.startsWith('+')) return { status: 422, body: { message: 'The phone field is required.' } };
      const contact = { id: this.nextId++, phone, fields: {} };
      this.contacts.push(contact);
      return { status: 200, body: { id: contact.id, phone } };
    }));
    this.on('POST', /^\/contacts\/(\d+)\/custom_fields\/([\w-]+)$/, authed((req, m) => {
      const contact = this.contact(m[1]!);
      if (!contact) return { status: 404, body: { message: 'Contact not found' } };
      if (!req.headers['content-type']?.includes('x-www-form-urlencoded')) return { status: 422, body: { message: 'value is required' } };
      contact.fields[m[2]!] = (req.body as { value?: string }).value ?? '';
      return { status: 200, body: { success: true } };
    }));
    this.on('POST', /^\/contacts\/(\d+)\/send\/text$/, authed((req, m) => {
      const contact = this.contact(m[1]!);
      if (!contact) return { status: 404, body: { message: 'Contact not found' } };
      const body = req.body as { text?: string; channel?: string };
      if (!body?.text || body.channel !== 'whatsapp') return { status: 422, body: { message: 'text and channel are required' } };
      this.sent.push({ contactId: contact.id, text: body.text, fields: { ...contact.fields } });
      return { status: 200, body: { success: true, message_id: `cgb-msg-${this.sent.length}` } };
    }));
    this.on('POST', /^\/contacts\/(\d+)\/send\/(\w+)$/, authed((_req, m) => {
      const contact = this.contact(m[1]!);
      if (!contact) return { status: 404, body: { message: 'Contact not found' } };
      if (!this.flows.has(m[2]!)) return { status: 404, body: { message: 'Flow not found' } };
      this.sent.push({ contactId: contact.id, flowId: m[2]!, fields: { ...contact.fields } });
      return { status: 200, body: { success: true, message_id: `cgb-msg-${this.sent.length}` } };
    }));
  }

  private contact(id: string) {
    return this.contacts.find((c) => c.id === Number(id));
  }
}
