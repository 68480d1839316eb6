import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON or form body (undefined when empty). */
  body: unknown;
}

export interface ProviderResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: ProviderRequest, match: RegExpExecArray) => ProviderResponse;

/**
 * A local HTTP server speaking one provider's API for contract tests: it records every
 * request exactly as received, answers by route, and can be told to fail the next calls
 * (429, 5xx, provider errors) before behaving again.
 */
export class FakeProvider {
  readonly requests: ProviderRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  private readonly failures: ProviderResponse[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url!, 'http://fake');
      const request: ProviderRequest = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, raw, body: parse(raw, req.headers['content-type']) };
      this.requests.push(request);
      const answer = this.failures.shift() ?? this.dispatch(request);
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
      res.writeHead(answer.status, { 'content-type': type, ...answer.headers }).end(text);
    });
  });
  base = '';

  constructor(private readonly basePath = '') {}

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** The next requests get these answers, in order, whatever they ask. */
  failNext(...responses: ProviderResponse[]) {
    this.failures.push(...responses);
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
    return { status: 404, body: { error: `no route ${request.method} ${path}` } };
  }
}

function parse(raw: string, type: string | undefined): unknown {
  if (!raw) return undefined;
  if (type?.includes('json')) return JSON.parse(raw);
  if (type?.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}
