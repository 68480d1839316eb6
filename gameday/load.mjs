// Steady webhook load at an exact rate (request i leaves at start + i/rate, whatever the answers
// do), every answer kept: unique payloads, each with its own Idempotency-Key, and a share of
// repeats — an earlier request sent again with the same key and body, as a client that did not
// see its answer would. A refusal (503, 429, 502) or a lost answer is retried as a well-behaved
// client does: same key and body, after 1, 2, 4, 8 s (each ±50 %), 5 attempts in all. (Retrying
// every second instead made the refusals a storm that kept Redis-starved gateways from
// recovering: docs/gameday.md.) A request unanswered after `timeoutMs` is counted as hung.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

/** Answers a client retries (0: no answer at all). */
const RETRIED = new Set([0, 429, 502, 503]);

/**
 * @param targets [{hook, body(n) → object}] chosen in turn by weight (`every`: 1 in N new requests).
 * @returns {Promise<Array>} one record per request: {n, key, hook, repeat, status, runId, sentAt, ms, error}
 */
export async function webhookLoad({ url, apiKey, rate, durationMs, targets, repeatShare = 0.1, timeoutMs = 30_000, stopped = () => false, onRecord = () => undefined }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const tag = randomBytes(4).toString('hex');
  const sent = [];
  const records = [];
  const inFlight = new Set();
  const started = Date.now();
  const count = Math.round((rate * durationMs) / 1000);
  for (let i = 0; i < count && !stopped(); i++) {
    const wait = started + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let request;
    if (sent.length > 10 && Math.random() < repeatShare) {
      request = { ...sent[Math.floor(Math.random() * sent.length)], repeat: true };
    } else {
      const n = sent.length;
      const target = targets.find((t) => n % t.every === 0) ?? targets.at(-1);
      request = { n, key: `gd-${tag}-${n}`, hook: target.hook, body: JSON.stringify(target.body(n)), repeat: false };
      sent.push(request);
    }
    const attempt = (req, n) => {
      const promise = send(agent, url, apiKey, req, timeoutMs).then((record) => {
        records.push({ ...record, attempt: n });
        onRecord(record);
        inFlight.delete(promise);
        if (RETRIED.has(record.status) && n < 5) {
          const backoffMs = 1000 * 2 ** (n - 1) * (0.5 + Math.random());
          const retry = new Promise((r) => setTimeout(r, backoffMs)).then(() => attempt(req, n + 1));
          inFlight.add(retry);
          void retry.then(() => inFlight.delete(retry));
        }
      });
      inFlight.add(promise);
      return promise;
    };
    void attempt(request, 1);
  }
  while (inFlight.size) await Promise.all(inFlight);
  agent.destroy();
  return records;
}

function send(agent, url, apiKey, { n, key, hook, body, repeat }, timeoutMs) {
  const sentAt = Date.now();
  const headers = { 'x-api-key': apiKey, 'content-type': 'application/json', 'idempotency-key': key, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve) => {
    const done = (fields) => resolve({ n, key, hook, repeat, sentAt, ms: Date.now() - sentAt, ...fields });
    const req = http.request(`${url}/api/v1/triggers/${hook}`, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let runId;
        if (res.statusCode === 202) {
          try {
            runId = JSON.parse(text).runId;
          } catch {
            /* counted below as a 202 without a run id */
          }
        }
        // What a refusal said (problem+json type and title), to tell a 503 from a 500 in the ledger.
        const problem = res.statusCode === 202 ? undefined : describe(text);
        done({ status: res.statusCode, runId, replayed: res.headers['idempotent-replayed'] === 'true', problem });
      });
      res.on('error', (error) => done({ status: 0, error: error.code ?? error.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'HUNG' })));
    req.on('error', (error) => done({ status: 0, error: error.code ?? error.message }));
    req.end(body);
  });
}

function describe(text) {
  try {
    const { type, title, detail } = JSON.parse(text);
    return [type, title, detail].filter(Boolean).join(' · ').slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
