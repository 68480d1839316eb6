import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Issue 16: a webhook whose `Transfer-Encoding: chunked` body passes 512 KB gets its 413
 * problem+json while the client is still sending, and the connection is closed after the
 * answer can be read — not reset under it (a reset would throw away the answer unread).
 */
let infra: TestInfra;
let t: TestApp;
let port: number;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(await t.app.getUrl()).port);
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

interface Exchange {
  /** Everything the server sent, in order. */
  received: string;
  /** How the connection ended for the client: a clean end (FIN) or an error such as ECONNRESET. */
  ending: 'end' | string;
  /** Body bytes the client had written when the answer's first bytes arrived. */
  sentBeforeAnswer: number;
}

/**
 * Sends headers and then 16 KB chunks until it has sent `totalBytes` (then the last chunk if
 * `complete`), and reads until the server ends the connection. `readWhileSending: false` is a
 * client that looks at the answer only once its upload is done (as synchronous HTTP clients
 * do): the answer waits, unread, in its receive buffer while it keeps sending.
 */
function streamChunked(path: string, totalBytes: number, options: { complete: boolean; readWhileSending: boolean }): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let sentBeforeAnswer = -1;
    let settled = false;
    const finish = (ending: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ received, ending, sentBeforeAnswer });
    };
    socket.on('data', (chunk) => {
      if (sentBeforeAnswer < 0) sentBeforeAnswer = sent;
      received += chunk.toString('latin1');
    });
    if (!options.readWhileSending) socket.pause();
    socket.on('end', () => finish('end'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on('close', () => finish('close'));
    const head = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
    const chunk = Buffer.from(`{"pad":"${'x'.repeat(16 * 1024 - 10)}",`.slice(0, 16 * 1024));
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const pump = () => {
      while (!settled && sent < totalBytes) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (settled) return;
      socket.write(options.complete ? '0\r\n\r\n' : '', () => socket.resume());
    };
    socket.once('connect', pump);
  });
}

function parse(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = rest.join('\r\n\r\n');
  return { status: Number(lines[0]!.split(' ')[1]), headers, body };
}

describe('a chunked body over the limit', () => {
  it('issue 16: gets 413 problem+json while the client is still sending, then a clean close (FIN after the answer, no reset)', async () => {
    const exchange = await streamChunked('/api/v1/triggers/some-hook', 8 * 1024 * 1024, { complete: true, readWhileSending: true });
    expect(exchange.ending).toBe('end');
    const answer = parse(exchange.received);
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, detail: expect.any(String) });
    // The answer came while the upload was under way, not after 8 MB were taken in.
    expect(exchange.sentBeforeAnswer).toBeGreaterThan(512 * 1024);
    expect(exchange.sentBeforeAnswer).toBeLessThan(8 * 1024 * 1024);
  });

  it('a client that stops sending but keeps the connection open still gets its 413, and the connection is closed', async () => {
    const exchange = await streamChunked('/api/v1/triggers/some-hook', 600 * 1024, { complete: false, readWhileSending: true });
    expect(parse(exchange.received).status).toBe(413);
    expect(exchange.ending).toBe('end');
  });

  it('a client that reads the answer only after its upload (16 MB) still reads the 413: the server drains, it does not reset', async () => {
    // More than the loopback's socket buffers hold: without draining, the client's writes meet a closed socket.
    const exchange = await streamChunked('/api/v1/triggers/some-hook', 16 * 1024 * 1024, { complete: true, readWhileSending: false });
    expect([exchange.ending, parse(exchange.received).status]).toEqual(['end', 413]);
    expect(JSON.parse(parse(exchange.received).body)).toMatchObject({ status: 413 });
  });
});
