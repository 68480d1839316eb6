// The small round-robin HTTP proxy in front of the gateways. A request whose connection is
// refused or dropped before any answer came back is sent again to the next gateway with the
// same headers and body — so it may reach a gateway twice, and only the Idempotency-Key keeps
// that one run (scenario 4). It sets X-Forwarded-For, as a real proxy does (the gateways trust
// loopback: TRUST_PROXY).
import http from 'node:http';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export class Balancer {
  constructor(backends) {
    this.backends = backends.map((port) => ({ port, agent: new http.Agent({ keepAlive: true, maxSockets: 512 }), answered: 0 }));
    this.next = 0;
    this.retries = 0;
    /** Requests answered 502 (every try failed), by the last error's code. */
    this.failures = {};
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Node closes an idle keep-alive socket after 5 s, and a client reusing it at that moment
    // gets ECONNRESET: keep them open longer than the load ever idles.
    this.server.keepAliveTimeout = 120_000;
    this.port = 0;
  }

  async start() {
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = this.server.address().port;
    return this;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    for (const b of this.backends) b.agent.destroy();
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1', 'content-length': String(body.length) };
      this.forward(req.method, req.url, headers, body, res, this.next++, 0);
    });
  }

  /** Try `attempt` of a request that started at backend `first`: each retry goes to the next gateway. */
  forward(method, url, headers, body, res, first, attempt) {
    const backend = this.backends[(first + attempt) % this.backends.length];
    const upstream = http.request({ host: '127.0.0.1', port: backend.port, method, path: url, headers, agent: backend.agent }, (answer) => {
      backend.answered++;
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      // Each gateway twice, then a clear 502: every one refusing for that long means the service is down.
      if (RETRYABLE.has(error.code) && attempt + 1 < this.backends.length * 2) {
        this.retries++;
        // A whole round refused: give a restarting gateway a moment before the next round.
        const wait = (attempt + 1) % this.backends.length === 0 ? 100 : 0;
        setTimeout(() => this.forward(method, url, headers, body, res, first, attempt + 1), wait);
        return;
      }
      this.failures[error.code] = (this.failures[error.code] ?? 0) + 1;
      res.writeHead(502, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `no gateway answered (${error.code})` }));
    });
    upstream.end(body);
  }
}
