import { FakeProvider } from './fake-provider';

/**
 * Slack's Web API `chat.postMessage` and an incoming webhook (PROVIDERS.md): bearer token
 * checked, JSON body required, unknown channels refused with HTTP 200 `ok:false`.
 */
export class FakeSlack extends FakeProvider {
  readonly token = 'xoxb-test-token';
  readonly channels = new Map([['#visa-ops', 'C0VISAOPS'], ['#alerts', 'C0ALERTS'], ['C0VISAOPS', 'C0VISAOPS']]);
  private ts = 1_700_000_000;

  constructor() {
    super('/api');
    this.on('POST', /^\/chat\.postMessage$/, (req) => {
      if (req.headers.authorization !== `Bearer ${this.token}`) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      if (!req.headers['content-type']?.startsWith('application/json')) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
      const body = req.body as { channel?: string; text?: string; blocks?: unknown[] };
      const channel = body.channel && this.channels.get(body.channel);
      if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      if (!body.text && !body.blocks) return { status: 200, body: { ok: false, error: 'no_text' } };
      const ts = `${this.ts++}.000100`;
      return { status: 200, body: { ok: true, channel, ts, message: { text: body.text, ts } } };
    });
    this.on('POST', /^\/services\/T0\/B0\/(\w+)$/, (req, match) => {
      if (match[1] === 'gone') return { status: 410, body: 'channel_is_archived' };
      if (!(req.body as { text?: string })?.text) return { status: 400, body: 'invalid_payload' };
      return { status: 200, body: 'ok' };
    });
  }

  posted(): Array<{ channel?: string; text?: string; blocks?: unknown[]; thread_ts?: string }> {
    return this.requests.filter((r) => r.path.endsWith('/chat.postMessage')).map((r) => r.body as { channel?: string; text?: string });
  }
}
