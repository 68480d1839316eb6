import { Inject, Injectable } from '@nestjs/common';
import type { Config } from '../platform/config/config';
import { REDIS } from '../platform/platform.module';
import type { Redis, RedisConnections } from '../platform/redis/redis';
import { CONFIG } from '../platform/platform.module';
import { eventKeys, LISTENERS_TTL_MS } from './event-keys';
import { ListenerWatch } from './listener-watch';
import { type StreamEntry, toEntries } from './stream-entries';

type Rows = Array<[string, string[]]>;
/** Entries per XREAD: what one read fans out to every client at once. */
const READ_COUNT = 100;

/** What a client that sent Last-Event-ID missed, read in one atomic step. */
export type CatchUp =
  | { reset: false; entries: StreamEntry[] }
  /** The id is older than the oldest entry kept, newer than the newest, or the backlog is empty. */
  | { reset: true; newest: string };

/** The Redis side of the stream hub: the shared backlog (a Redis Stream), the listeners key, the queue-counts lock. */
@Injectable()
export class EventBacklog {
  private readonly keys: ReturnType<typeof eventKeys>;
  private reader: Redis | undefined;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(CONFIG) private readonly config: Pick<Config, 'EVENTS_BACKLOG'>,
    private readonly watch: ListenerWatch,
  ) {
    this.keys = eventKeys(redis);
  }

  private get client(): Redis {
    return this.watch.client;
  }

  /** The newest entry's id, or 0-0 for an empty backlog: where a fresh client starts. */
  async newestId(): Promise<string> {
    const rows = (await this.client.xrevrange(this.keys.stream, '+', '-', 'COUNT', 1)) as Rows;
    return rows[0]?.[0] ?? '0-0';
  }

  /**
   * The entries after `lastId` (exclusive), or a reset when entries after it may be gone, or when
   * more follow it than one read takes (`MAXLEN ~` trims by whole nodes, so the stream may hold
   * more than EVENTS_BACKLOG): the entries past the read would be a silent gap.
   */
  async after(lastId: string, compare: (a: string, b: string) => number): Promise<CatchUp> {
    const limit = this.config.EVENTS_BACKLOG * 2;
    const results = await this.client
      .multi()
      .xrange(this.keys.stream, '-', '+', 'COUNT', 1)
      .xrevrange(this.keys.stream, '+', '-', 'COUNT', 1)
      .xrange(this.keys.stream, `(${lastId}`, '+', 'COUNT', limit + 1)
      .exec();
    if (!results) throw new Error('the catch-up transaction was discarded');
    for (const [error] of results) if (error) throw error;
    const oldest = (results[0]![1] as Rows)[0]?.[0];
    const newest = (results[1]![1] as Rows)[0]?.[0];
    if (!oldest || !newest) return lastId === '0-0' ? { reset: false, entries: [] } : { reset: true, newest: '0-0' };
    // An id older than the oldest kept: entries between the two may have been trimmed away.
    if (compare(lastId, oldest) < 0 || compare(lastId, newest) > 0) return { reset: true, newest };
    const missed = results[2]![1] as Rows;
    if (missed.length > limit) return { reset: true, newest };
    return { reset: false, entries: toEntries(missed) };
  }

  /** Blocks up to blockMs for entries after `cursor`, on this process's one dedicated connection. */
  async read(cursor: string, blockMs: number): Promise<StreamEntry[] & { lastId?: string }> {
    this.reader ??= this.redis.create('blocking', 'visapi:events:reader');
    const result = (await this.reader.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', this.keys.stream, cursor)) as Array<[string, Rows]> | null;
    const rows = result?.[0]?.[1] ?? [];
    const entries: StreamEntry[] & { lastId?: string } = toEntries(rows);
    // The cursor moves past every row read, including ones skipped as unknown.
    entries.lastId = rows.at(-1)?.[0];
    return entries;
  }

  /** Aborts a blocked read (shutdown). */
  stopReading() {
    this.reader?.disconnect();
    this.reader = undefined;
  }

  /** Tells every publisher that this gateway has clients (refreshed while it has). */
  async markListening(): Promise<void> {
    await this.client.set(this.keys.listeners, '1', 'PX', LISTENERS_TTL_MS);
  }

  /** Whether this gateway computes queue counts for this interval (one gateway per interval). */
  async claimQueueCounts(intervalMs: number): Promise<boolean> {
    return (await this.client.set(this.keys.queuesLock, '1', 'PX', Math.max(intervalMs - 250, 100), 'NX')) === 'OK';
  }
}
