import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** One SSE message. `data` is one line of JSON (JSON.stringify never emits a raw newline). */
export function sseFrame(id: string, event: string, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** A comment line: ignored by EventSource, keeps proxies and the connection from idling out. */
export const HEARTBEAT_FRAME = ':\n\n';

export const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // nginx would otherwise buffer the stream; and nothing compresses it (no content-encoding).
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

export type CloseReason = 'client' | 'slow' | 'ended';

export interface SseLimits {
  /** Bytes the socket has not taken that a client may hold while it is not draining. */
  maxPendingBytes: number;
  /** How long a client may hold more than that without draining (a burst is not a stall). */
  stalledMs: number;
}

/**
 * A Server-Sent Events response with bounded memory. Frames are written at once; when the
 * client does not read, Node keeps what the socket did not take. A client holding more than
 * `maxPendingBytes` that has not drained for `stalledMs` (or holding four times as much at
 * all) is destroyed rather than buffered without bound; it reconnects with Last-Event-ID and
 * catches up from the shared backlog.
 */
export class SseClient {
  private closed = false;
  private closeReason: CloseReason = 'client';
  /** Since when the socket has not drained (write() said the buffer is full). */
  private blockedSince: number | undefined;
  private readonly closeListeners: Array<(reason: CloseReason) => void> = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly limits: SseLimits,
  ) {
    // The client may have gone while the request was authenticated: its 'close' came already.
    if (response.destroyed) this.closed = true;
    else response.once('close', () => this.closeWith('client'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes written but not yet taken by the socket. */
  get pendingBytes(): number {
    return this.response.writableLength;
  }

  /** Called once the stream is closed; at once (in a microtask) when it already is. */
  onClose(listener: (reason: CloseReason) => void) {
    if (this.closed) queueMicrotask(() => listener(this.closeReason));
    else this.closeListeners.push(listener);
  }

  /** The status line and headers (`extra` first: the app's security headers and request id), and the reconnection delay. */
  open(extra: OutgoingHttpHeaders, retryMs: number) {
    if (this.closed) return;
    this.response.writeHead(200, { ...extra, ...SSE_HEADERS });
    this.write(`retry: ${retryMs}\n\n`);
  }

  /** Writes a frame; false when the client is gone or was just dropped for not reading. */
  write(frame: string): boolean {
    if (this.closed) return false;
    if (!this.response.write(frame) && this.blockedSince === undefined) {
      this.blockedSince = Date.now();
      this.response.once('drain', () => (this.blockedSince = undefined));
    }
    const pending = this.response.writableLength;
    const { maxPendingBytes, stalledMs } = this.limits;
    if (pending > maxPendingBytes && (pending > 4 * maxPendingBytes || Date.now() - (this.blockedSince ?? Date.now()) >= stalledMs)) {
      this.closeWith('slow');
      this.response.destroy();
      return false;
    }
    return true;
  }

  /** Ends the stream (shutdown, session no longer valid). */
  end() {
    if (this.closed) return;
    this.closeWith('ended');
    this.response.end();
  }

  private closeWith(reason: CloseReason) {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    for (const listener of this.closeListeners) listener(reason);
  }
}
