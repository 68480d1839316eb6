import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  method: string;
  /** The path and query as sent (`/api/x?a=1`). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON or form body (undefined when empty; the raw text for other types). */
  body: unknown;
}

export interface ProviderResponse {
  status: number;
  /** A string is sent as text/plain, anything else as JSON (a `content-type` header overrides). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answers: the caller is stuck until it gives up. */
  hang?: boolean;
}

type Handler = (req: ProviderRequest, match: RegExpExecArray) => ProviderResponse;

/**
 * The one local HTTP server of the tests: it records every request exactly as received and
 * answers, in this order, with the answers `failNext` queued (whatever is asked), the answers
 * `script` queued for that URL, the route that matches, or `otherwise`. Provider fakes
 * (slack-api.ts, cgb-api.ts, meta-wa-api.ts) add the routes of one provider's API;
 * HttpTarget answers 200 `{"ok":true}` to anything not scripted.
 */
export class FakeProvider {
  readonly requests: ProviderRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  private readonly failures: ProviderResponse[] = [];
  private readonly scripts = new Map<string, ProviderResponse[]>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url!, 'http://fake');
      const request: ProviderRequest = { method: req.method!, url: req.url!, path: url.pathname, query: url.searchParams, headers: req.headers, raw, body: parse(raw, req.headers['content-type']) };
      this.requests.push(request);
      const answer = this.failures.shift() ?? this.scripts.get(request.url)?.shift() ?? this.dispatch(request);
      if (answer.hang) return;
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
      res.writeHead(answer.status, { 'content-type': type, ...answer.headers }).end(text);
    });
  });
  base = '';

  constructor(
    private readonly basePath = '',
    private readonly otherwise?: ProviderResponse,
  ) {}

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** The next requests get these answers, in order, whatever they ask. */
  failNext(...responses: ProviderResponse[]) {
    this.failures.push(...responses);
  }

  /** The next answers for one URL (path and query as sent), in order. */
  script(url: string, ...responses: ProviderResponse[]) {
    this.scripts.set(url, responses);
  }

  /** The requests made to one URL (path and query as sent). */
  to(url: string): ProviderRequest[] {
    return this.requests.filter((r) => r.url === url);
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.basePath}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private dispatch(request: ProviderRequest): ProviderResponse {
    const path = request.path.startsWith(this.basePath) ? request.path.slice(this.basePath.length) : request.path;
    for (const route of this.routes) {
      const match = route.method === request.method ? route.pattern.exec(path) : null;
      if (match) return route.handler(request, match);
    }
    return this.otherwise ?? { status: 404, body: { error: `no route ${request.method} ${path}` } };
  }
}

/** A server the workflows call (http.request steps): 200 `{"ok":true}` unless scripted. */
export class HttpTarget extends FakeProvider {
  constructor() {
    super('', { status: 200, body: { ok: true } });
  }
}

function parse(raw: string, type: string | undefined): unknown {
  if (!raw) return undefined;
  if (type?.includes('json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (type?.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}
