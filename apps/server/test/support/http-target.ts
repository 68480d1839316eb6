import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP server the workflows call: it records every request and answers with the
 * next scripted response for its path (200 `{"ok":true}` when none is scripted).
 */
export class HttpTarget {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, Array<{ status: number; body?: unknown; headers?: Record<string, string>; hang?: boolean }>>();
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      this.received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const next = this.scripts.get(req.url!)?.shift() ?? { status: 200, body: { ok: true } };
      if (next.hang) return; // never answers: the caller is stuck until it gives up
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(JSON.stringify(next.body ?? {}));
    });
  });
  base = '';

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next answers for a path, in order. */
  script(path: string, ...responses: Array<{ status: number; body?: unknown; headers?: Record<string, string>; hang?: boolean }>) {
    this.scripts.set(path, responses);
  }

  to(path: string): Received[] {
    return this.received.filter((r) => r.url === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
