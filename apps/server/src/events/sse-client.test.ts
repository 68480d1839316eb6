import http, { type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloseReason, HEARTBEAT_FRAME, SseClient, sseFrame } from './sse-client';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A real HTTP server whose one response is handed to an SseClient. */
async function serve(limits: { maxPendingBytes: number; stalledMs: number }) {
  let opened: (client: SseClient) => void = () => undefined;
  const client = new Promise<SseClient>((r) => (opened = r));
  server = http.createServer((_req, res: ServerResponse) => {
    const sse = new SseClient(res, limits);
    sse.open({ 'x-request-id': 'r1' }, 2_000);
    opened(sse);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, client };
}

describe('sseFrame', () => {
  it('frames an event: id, event name, one data line, blank line', () => {
    expect(sseFrame('1-0', 'run.updated', '{"a":1}')).toBe('id: 1-0\nevent: run.updated\ndata: {"a":1}\n\n');
    expect(HEARTBEAT_FRAME).toBe(':\n\n');
  });
});

describe('SseClient', () => {
  it('opens with the SSE headers after the app’s own, and the retry field', async () => {
    const { port, client } = await serve({ maxPendingBytes: 1 << 20, stalledMs: 1_000 });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const sse = await client;
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-request-id')).toBe('r1');
    sse.write(sseFrame('1-0', 'stream.reset', '{"reason":"x"}'));
    sse.end();
    expect(await res.text()).toBe('retry: 2000\n\nid: 1-0\nevent: stream.reset\ndata: {"reason":"x"}\n\n');
  });

  it('drops a client that does not read once it holds more than the limit, keeping memory bounded', async () => {
    const limit = 256 * 1024;
    const { port, client } = await serve({ maxPendingBytes: limit, stalledMs: 0 });
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const sse = await client;
    const reasons: CloseReason[] = [];
    sse.onClose((reason) => reasons.push(reason));
    const frame = sseFrame('1-0', 'log.created', JSON.stringify({ message: 'x'.repeat(16 * 1024) }));
    let maxPending = 0;
    let written = 0;
    // Far more than the kernel's socket buffers take: without the limit Node would hold it all.
    for (let i = 0; i < 8_000 && sse.isOpen; i++) {
      if (sse.write(frame)) written += frame.length;
      maxPending = Math.max(maxPending, sse.pendingBytes);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // let the socket take what it can
    }
    expect(sse.isOpen).toBe(false);
    expect(reasons).toEqual(['slow']);
    expect(maxPending).toBeLessThanOrEqual(limit + frame.length);
    expect(written).toBeLessThan(8_000 * frame.length);
    expect(sse.write(frame)).toBe(false);
    socket.destroy();
  });

  it('keeps a client that reads, through a burst above the limit', async () => {
    const { port, client } = await serve({ maxPendingBytes: 64 * 1024, stalledMs: 5_000 });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const sse = await client;
    const frame = sseFrame('1-0', 'log.created', JSON.stringify({ message: 'y'.repeat(8 * 1024) }));
    for (let i = 0; i < 20; i++) expect(sse.write(frame)).toBe(true); // 160 KB at once
    sse.end();
    expect((await res.text()).length).toBe('retry: 2000\n\n'.length + 20 * frame.length);
  });

  it('reports a client that went away', async () => {
    const { port, client } = await serve({ maxPendingBytes: 1 << 20, stalledMs: 1_000 });
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const sse = await client;
    const closed = new Promise<CloseReason>((r) => sse.onClose(r));
    socket.destroy();
    expect(await closed).toBe('client');
    expect(sse.write(HEARTBEAT_FRAME)).toBe(false);
  });

  it('reports a client that went away before the stream opened (while its request was authenticated)', async () => {
    let opened: (client: SseClient) => void = () => undefined;
    const client = new Promise<SseClient>((r) => (opened = r));
    server = http.createServer((_req, res: ServerResponse) => {
      res.once('close', () => {
        const sse = new SseClient(res, { maxPendingBytes: 1 << 20, stalledMs: 1_000 });
        sse.open({}, 2_000);
        opened(sse);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n', () => socket.destroy());
    const sse = await client;
    expect(sse.isOpen).toBe(false);
    expect(await new Promise<CloseReason>((r) => sse.onClose(r))).toBe('client');
    expect(sse.write(HEARTBEAT_FRAME)).toBe(false);
  });
});
