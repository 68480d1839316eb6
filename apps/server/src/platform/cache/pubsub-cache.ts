import type { Redis } from '../redis/redis';
import type { Logger } from 'pino';

export interface PubSubCacheOptions {
  /** How long an entry is served from memory. 0: never cached. */
  ttlMs: number;
  /** Most present values kept; the least recently used goes first. */
  maxEntries?: number;
  /**
   * Most remembered absences kept, apart from the values: a flood of unknown keys evicts
   * other unknown keys, never a cached value.
   */
  maxAbsent?: number;
}

interface Entry<T> {
  value: T | null;
  expiresAt: number;
}

/**
 * A bounded in-memory cache shared-invalidated through Redis pub/sub: `invalidate(key)` drops
 * the key here and in every other process at once. While the subscription is down (before it
 * is up, and from a disconnect until it is back), nothing is served from memory: a message may
 * have been missed. Entries also expire after ttlMs; `null` (remembered absence) after at most 5 s.
 */
export class PubSubCache<T> {
  private readonly values = new Map<string, Entry<T>>();
  private readonly absent = new Map<string, Entry<T>>();
  private subscribed = false;
  /**
   * Loads in flight by key (several may run at once for one key), each marked stale by an
   * invalidation of its key (or of everything) while it runs: such a load may have read what
   * the invalidation replaced, so it is not kept.
   */
  private readonly loading = new Map<string, Set<{ stale: boolean }>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxAbsent: number;

  constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    private readonly channel: string,
    options: PubSubCacheOptions,
    private readonly logger: Logger,
  ) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAbsent = options.maxAbsent ?? 1_000;
  }

  /** Resolves once subscribed; callers need not wait (the cache is simply off until then). */
  start(): Promise<void> {
    this.subscriber.on('message', (channel: string, key: string) => {
      if (channel === this.channel) this.forget(key);
    });
    this.subscriber.on('close', () => {
      this.subscribed = false;
      this.forget('*');
    });
    // ioredis subscribes again by itself after a reconnect; serve from memory only once that
    // is confirmed, starting empty.
    this.subscriber.on('ready', () => {
      this.forget('*');
      this.subscribe().catch(() => undefined);
    });
    // A Cluster client moves its subscription off a failed node by itself, with no 'close':
    // what was published meanwhile is missed. A node leaving is treated as such a gap.
    this.subscriber.on('-node', () => this.resubscribe());
    return this.subscribe();
  }

  private resubscribe() {
    this.subscribed = false;
    this.forget('*');
    this.subscribe().catch(() => {
      if (this.subscriber.status !== 'end') setTimeout(() => this.resubscribe(), 1_000).unref();
    });
  }

  private async subscribe(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
    this.forget('*');
    this.subscribed = true;
  }

  /** undefined: not cached; null: cached absence. */
  get(key: string): T | null | undefined {
    if (!this.subscribed) return undefined;
    const value = this.values.get(key);
    const entry = value ?? this.absent.get(key);
    if (!entry) return undefined;
    const map = value ? this.values : this.absent;
    map.delete(key);
    if (entry.expiresAt < Date.now()) return undefined;
    map.set(key, entry); // most recently used last
    return entry.value;
  }

  /**
   * The cached value, or `load`'s, remembered unless an invalidation arrived while it loaded
   * (so a revocation racing a lookup is never undone by the lookup's older read).
   */
  async getOrLoad(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const mark = { stale: false };
    let marks = this.loading.get(key);
    if (!marks) this.loading.set(key, (marks = new Set()));
    marks.add(mark);
    try {
      const value = await load();
      if (!mark.stale) this.set(key, value);
      return value;
    } finally {
      marks.delete(mark);
      if (marks.size === 0 && this.loading.get(key) === marks) this.loading.delete(key);
    }
  }

  set(key: string, value: T | null) {
    if (this.ttlMs === 0 || !this.subscribed) return;
    const [map, max, other] = value === null ? [this.absent, this.maxAbsent, this.values] : [this.values, this.maxEntries, this.absent];
    other.delete(key);
    map.delete(key);
    while (map.size >= max) map.delete(map.keys().next().value!);
    map.set(key, { value, expiresAt: Date.now() + (value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs) });
  }

  /** How many values and absences are held (bounded by maxEntries + maxAbsent). */
  get size(): number {
    return this.values.size + this.absent.size;
  }

  /** Drops the key (or '*': everything) here and in every other process. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    try {
      await this.publisher.publish(this.channel, key);
    } catch (error) {
      this.logger.error({ err: error, channel: this.channel, key }, 'could not publish a cache invalidation; other processes see the change when their entry expires');
    }
  }

  private forget(key: string) {
    if (key === '*') {
      this.values.clear();
      this.absent.clear();
      for (const marks of this.loading.values()) for (const mark of marks) mark.stale = true;
    } else {
      this.values.delete(key);
      this.absent.delete(key);
      for (const mark of this.loading.get(key) ?? []) mark.stale = true;
    }
  }
}
