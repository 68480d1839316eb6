import { FakeProvider } from './fake-provider';

/**
 * The WhatsApp Cloud API's `/{phone-number-id}/messages` (PROVIDERS.md): bearer token,
 * template messages checked against approved templates (name, language, parameter count),
 * Graph-style errors.
 */
export class FakeMetaWhatsApp extends FakeProvider {
  readonly token = 'EAAG-test-token';
  readonly phoneNumberId = '106540352242922';
  /** name/language → number of body parameters. */
  readonly templates = new Map([['application_status_update/en', 3], ['application_status_update/he', 3], ['visa_approved/he', 3]]);
  private nextId = 1;

  constructor() {
    super('/v21.0');
    this.on('POST', /^\/(\d+)\/messages$/, (req, m) => {
      if (req.headers.authorization !== `Bearer ${this.token}`) return graphError(401, 190, 'Error validating access token: Session has expired', 'OAuthException');
      if (m[1] !== this.phoneNumberId) return graphError(400, 100, 'Unsupported post request. Object with ID does not exist');
      const body = req.body as { messaging_product?: string; to?: string; type?: string; template?: { name: string; language: { code: string }; components?: Array<{ type: string; parameters: unknown[] }> }; text?: { body?: string } };
      if (body?.messaging_product !== 'whatsapp' || !/^\d{8,15}$/.test(body.to ?? '')) return graphError(400, 100, 'Invalid parameter');
      if (body.type === 'template') {
        const expected = this.templates.get(`${body.template?.name}/${body.template?.language?.code}`);
        if (expected === undefined) return graphError(404, 132001, 'Template name does not exist in the translation');
        const given = body.template?.components?.find((c) => c.type === 'body')?.parameters.length ?? 0;
        if (given !== expected) return graphError(400, 132000, 'Number of parameters does not match the expected number of params');
      } else if (body.type !== 'text' || !body.text?.body) return graphError(400, 100, 'Invalid parameter');
      return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: `wamid.TEST${this.nextId++}` }] } };
    });
  }

  messages() {
    return this.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.body as Record<string, unknown>);
  }
}

export function graphError(status: number, code: number, message: string, type = 'OAuthException') {
  return { status, body: { error: { message, type, code, fbtrace_id: 'AbCdEf123' } } };
}
