import http, { type IncomingHttpHeaders } from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** An open GET /api/v1/events (or any SSE URL), parsed as it arrives. */
export interface SseConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every event received so far. */
  events: SseEvent[];
  comments: number;
  retry: number | undefined;
  /** The body as received (for non-200 answers: the problem document). */
  body(): string;
  /** The first event (received or to come) matching; rejects after timeoutMs. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream (or the connection closes). */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE request with node:http (so it can be read frame by frame, and closed). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let raw = '';
      let buffer = '';
      const waiters: Array<{ predicate: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
      let endResolve: () => void = () => undefined;
      const connection: SseConnection = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        events: [],
        comments: 0,
        retry: undefined,
        body: () => raw,
        waitFor(predicate, timeoutMs = 20_000) {
          const found = connection.events.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((res, rej) => {
            const waiter = { predicate, resolve: (e: SseEvent) => (clearTimeout(timer), res(e)) };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              rej(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(connection.events.map((e) => e.event))}`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
        ended: new Promise<void>((res) => (endResolve = res)),
        close: () => request.destroy(),
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: Partial<SseEvent> & { dataText?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) connection.comments++;
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) event.dataText = line.slice(6);
            else if (line.startsWith('retry: ')) connection.retry = Number(line.slice(7));
          }
          if (event.event === undefined) continue;
          const parsed: SseEvent = { id: event.id, event: event.event, data: event.dataText === undefined ? undefined : JSON.parse(event.dataText) };
          connection.events.push(parsed);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(parsed)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(parsed);
            }
          }
        }
      });
      response.on('close', () => endResolve());
      response.on('error', () => endResolve());
      resolve(connection);
    });
    request.on('error', reject);
  });
}
