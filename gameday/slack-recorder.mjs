// A Slack-compatible `chat.postMessage` (bearer token, JSON body, HTTP 200 `ok:true` with a ts)
// that records every message with what identifies it: the run, step and forEach item the
// workflow wrote into its text, and which worker process sent it (each worker's SLACK_API_URL
// is /w/<label>/api). It answers after a random 20–60 ms, as a remote API does, so steps are in
// flight when a worker is killed; fail() makes it answer 500 and 429 (Retry-After) in turn.
import http from 'node:http';

export const SLACK_TOKEN = 'xoxb-gameday';
const ROUTE = /^\/w\/([\w.-]+)\/api\/chat\.postMessage$/;
const TEXT = /^gd run=([0-9a-f-]{36}) step=([\w-]+)(?: item=(\d+))?$/;

export class SlackRecorder {
  constructor({ latencyMs = [20, 60] } = {}) {
    this.latencyMs = latencyMs;
    /** Messages answered ok: {runId, step, item, worker, receivedAt, answeredAt}. */
    this.delivered = [];
    /** Requests answered 500/429 while failing. */
    this.refused = 0;
    this.failing = false;
    this.flip = 0;
    this.inFlight = new Map();
    this.server = http.createServer((req, res) => this.handle(req, res));
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
  }

  apiUrl(worker) {
    return `http://127.0.0.1:${this.port}/w/${worker}/api`;
  }

  /** Answer 500 and 429 (Retry-After: 1) in turn until recover(). */
  fail() {
    this.failing = true;
  }

  recover() {
    this.failing = false;
  }

  /** Requests of this worker that have not been answered yet. */
  pending(worker) {
    return this.inFlight.get(worker) ?? 0;
  }

  handle(req, res) {
    const receivedAt = Date.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const route = ROUTE.exec(req.url);
      const reply = (status, body, headers = {}) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
      if (!route || req.method !== 'POST') return reply(404, { ok: false, error: 'unknown_method' });
      if (req.headers.authorization !== `Bearer ${SLACK_TOKEN}`) return reply(200, { ok: false, error: 'invalid_auth' });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(200, { ok: false, error: 'invalid_json' });
      }
      const worker = route[1];
      const id = TEXT.exec(body.text ?? '');
      if (!id) return reply(200, { ok: false, error: 'no_text' });
      this.inFlight.set(worker, this.pending(worker) + 1);
      const [min, max] = this.latencyMs;
      setTimeout(() => {
        this.inFlight.set(worker, this.pending(worker) - 1);
        if (this.failing) {
          this.refused++;
          return this.flip++ % 2 === 0 ? reply(500, { ok: false, error: 'internal_error' }) : reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        }
        const ts = `${Math.floor(receivedAt / 1000)}.${String(this.delivered.length).padStart(6, '0')}`;
        // Recorded once the answer is on its way: from here on Slack has posted it.
        this.delivered.push({ runId: id[1], step: id[2], item: id[3] === undefined ? undefined : Number(id[3]), worker, receivedAt, answeredAt: Date.now() });
        reply(200, { ok: true, channel: 'C0GAMEDAY', ts, message: { text: body.text, ts } });
      }, min + Math.random() * (max - min));
    });
  }
}
