import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { UserRole } from '@visapi/contracts';
import type { Logger } from 'pino';
import { SessionsService } from '../auth/sessions.service';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { QueuesService } from '../queues/queues.service';
import { EventBacklog } from './event-backlog';
import { mayReceive, roleRank } from './event-access';
import { LISTENERS_REFRESH_MS } from './event-keys';
import { EventsPublisher } from './event-publisher';
import { ListenerWatch } from './listener-watch';
import { type CloseReason, HEARTBEAT_FRAME, SseClient, sseFrame } from './sse-client';
import { compareIds, isStreamId, type StreamEntry } from './stream-entries';

/** How long one XREAD blocks: a gateway whose last client left stops reading within it. */
const READ_BLOCK_MS = 5_000;
/** What a browser waits before reconnecting (the SSE `retry:` field, sent once). */
const RETRY_MS = 2_000;
/** A client over EVENTS_CLIENT_BUFFER_BYTES that has not drained for this long is dropped. */
const STALLED_MS = 1_000;
/**
 * Streams one session may hold open on a gateway (a browser needs one per tab). Each may hold up
 * to EVENTS_CLIENT_BUFFER_BYTES unread (four times that in a burst): without a cap a script
 * opening streams it never reads would take the gateway's memory.
 */
export const MAX_STREAMS_PER_SESSION = 10;

interface Client {
  sse: SseClient;
  sessionId: string;
  role: UserRole;
  /** The last entry sent (or skipped as not for this role); entries up to it are never sent again. */
  lastId: string;
  /** Set while the backlog is read for a reconnecting client: live entries wait here. */
  waiting: StreamEntry[] | undefined;
}

export interface StreamRequest {
  response: ServerResponse;
  /** Headers the app already set on the reply (security headers, X-Request-Id). */
  headers: OutgoingHttpHeaders;
  sessionId: string;
  role: UserRole;
  lastEventId: string | undefined;
}

/**
 * The gateway's side of GET /api/v1/events (SPEC §9). While it has clients, one loop reads the
 * shared backlog (a blocking XREAD on a dedicated connection) and fans each entry out to every
 * local client the entry's role allows; a reconnecting client first gets what it missed
 * (XRANGE after its Last-Event-ID), with no duplicate and no gap before the live entries. Also,
 * while it has clients: a heartbeat that re-checks every session, the listeners key that makes
 * publishers publish, and the queue counts (one gateway per interval).
 */
@Injectable()
export class EventHub implements OnModuleDestroy {
  private readonly clients = new Set<Client>();
  /** The newest entry the read loop has dispatched. */
  private cursor = '0-0';
  private loop: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private lastReadError = 0;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'EVENTS_HEARTBEAT_MS' | 'EVENTS_CLIENT_BUFFER_BYTES' | 'EVENTS_QUEUES_INTERVAL_MS'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly backlog: EventBacklog,
    private readonly watch: ListenerWatch,
    private readonly publisher: EventsPublisher,
    private readonly sessions: SessionsService,
    private readonly queues: QueuesService,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Starts reading for the first client (throws while Redis is unreachable: call before answering). */
  async ready(): Promise<void> {
    if (!this.started) await (this.starting ??= this.start().finally(() => (this.starting = undefined)));
  }

  /** Whether this session may open one more stream here: call open() in the same tick (nothing awaited between). */
  admits(sessionId: string): boolean {
    let streams = 0;
    for (const client of this.clients) if (client.sessionId === sessionId) streams++;
    return streams < MAX_STREAMS_PER_SESSION;
  }

  /** Opens a client's stream; resolves once it is live (caught up when it sent Last-Event-ID). */
  async open(request: StreamRequest): Promise<void> {
    // Not awaited when started, so the client is counted in the tick admits() was asked in.
    if (!this.started) await this.ready();
    const sse = new SseClient(request.response, { maxPendingBytes: this.config.EVENTS_CLIENT_BUFFER_BYTES, stalledMs: STALLED_MS });
    const catchingUp = request.lastEventId !== undefined;
    const client: Client = { sse, sessionId: request.sessionId, role: request.role, lastId: this.cursor, waiting: catchingUp ? [] : undefined };
    this.clients.add(client);
    this.watch.setLocalListeners(this.clients.size);
    const opened = Date.now();
    sse.onClose((reason) => this.forget(client, reason, opened));
    sse.open(request.headers, RETRY_MS);
    this.loop ??= this.read();
    if (catchingUp) await this.catchUp(client, request.lastEventId!);
  }

  private async start(): Promise<void> {
    this.cursor = await this.backlog.newestId();
    await this.backlog.markListening();
    this.timers = [
      setInterval(() => void this.heartbeat(), this.config.EVENTS_HEARTBEAT_MS),
      setInterval(() => void this.backlog.markListening().catch((error) => this.logger.warn({ err: error }, 'could not refresh the event listeners key')), LISTENERS_REFRESH_MS),
      setInterval(() => void this.publishQueueCounts(), this.config.EVENTS_QUEUES_INTERVAL_MS),
    ];
    for (const timer of this.timers) timer.unref();
    this.started = true;
  }

  private stop() {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.started = false;
  }

  private forget(client: Client, reason: CloseReason, opened: number) {
    this.clients.delete(client);
    this.watch.setLocalListeners(this.clients.size);
    if (this.clients.size === 0) this.stop();
    const log = { reason, sessionId: client.sessionId, seconds: Math.round((Date.now() - opened) / 1000), clients: this.clients.size };
    if (reason === 'slow') this.logger.warn({ ...log, limitBytes: this.config.EVENTS_CLIENT_BUFFER_BYTES }, 'event stream client dropped: it stopped reading');
    else this.logger.debug(log, 'event stream closed');
  }

  private async catchUp(client: Client, lastEventId: string) {
    try {
      const missed = isStreamId(lastEventId) ? await this.backlog.after(lastEventId, compareIds) : { reset: true as const, newest: this.cursor };
      if (missed.reset) {
        client.sse.write(sseFrame(missed.newest, 'stream.reset', JSON.stringify({ reason: 'events were missed: refetch what is shown' })));
        client.lastId = missed.newest;
      } else {
        client.lastId = lastEventId;
        this.send(client, missed.entries);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the event backlog for a reconnecting client');
      client.sse.end();
      return;
    }
    const waiting = client.waiting ?? [];
    client.waiting = undefined;
    this.send(client, waiting);
  }

  /** Sends the entries newer than what the client has, each only where its role allows. */
  private send(client: Client, entries: StreamEntry[]) {
    for (const entry of entries) {
      if (compareIds(entry.id, client.lastId) <= 0) continue;
      client.lastId = entry.id;
      if (mayReceive(client.role, entry.type) && !client.sse.write(entry.frame)) return;
    }
  }

  private dispatch(entries: StreamEntry[]) {
    for (const client of this.clients) {
      if (client.waiting) client.waiting.push(...entries);
      else this.send(client, entries);
    }
  }

  /** The one read loop of this gateway, while it has clients. */
  private async read(): Promise<void> {
    while (!this.closed && this.clients.size > 0) {
      try {
        const entries = await this.backlog.read(this.cursor, READ_BLOCK_MS);
        if (entries.lastId) this.cursor = entries.lastId;
        if (entries.length > 0) this.dispatch(entries);
      } catch (error) {
        if (this.closed) break;
        if (Date.now() - this.lastReadError > 60_000) {
          this.lastReadError = Date.now();
          this.logger.warn({ err: error }, 'could not read the event stream; retrying');
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    this.loop = undefined;
  }

  /** A comment line to every client, and every session checked again: revoked, expired or demoted → the stream ends. */
  private async heartbeat() {
    for (const client of this.clients) if (!client.waiting) client.sse.write(HEARTBEAT_FRAME);
    const clients = [...this.clients];
    if (clients.length === 0) return;
    let roles: Map<string, UserRole>;
    try {
      roles = await this.sessions.currentRoles([...new Set(clients.map((c) => c.sessionId))]);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not re-check the sessions of event streams');
      return;
    }
    for (const client of clients) {
      const role = roles.get(client.sessionId);
      if (!role || roleRank(role) < roleRank(client.role)) client.sse.end();
      else client.role = role;
    }
  }

  private async publishQueueCounts() {
    try {
      if (!(await this.backlog.claimQueueCounts(this.config.EVENTS_QUEUES_INTERVAL_MS))) return;
      this.publisher.publish('queues.counts', await this.queues.counts());
    } catch (error) {
      this.logger.debug({ err: error }, 'could not publish queue counts');
    }
  }

  /** Shutdown: every stream ends (browsers reconnect to another gateway) and the read loop stops. */
  async onModuleDestroy() {
    this.closed = true;
    this.stop();
    for (const client of [...this.clients]) client.sse.end();
    this.backlog.stopReading();
    await this.loop;
  }
}
