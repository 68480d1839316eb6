import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An in-memory cache shared-invalidated through Redis pub/sub: `invalidate(key)` drops the
 * key here and in every other process at once. Until the subscription is up, and whenever it
 * reconnects (a message may have been missed), nothing is served from memory. Entries also
 * expire after ttlMs; `null` (remembered absence) after at most 5 s.
 */
export class PubSubCache<T> {
  private readonly entries = new Map<string, { value: T | null; expiresAt: number }>();
  private subscribed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    private readonly channel: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Resolves once subscribed; callers need not wait (the cache is simply off until then). */
  start(): Promise<void> {
    this.subscriber.on('message', (channel: string, key: string) => {
      if (channel !== this.channel) return;
      if (key === '*') this.entries.clear();
      else this.entries.delete(key);
    });
    this.subscriber.on('ready', () => this.entries.clear());
    return this.subscriber.subscribe(this.channel).then(() => {
      this.subscribed = true;
    });
  }

  /** undefined: not cached; null: cached absence. */
  get(key: string): T | null | undefined {
    if (!this.subscribed) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T | null) {
    if (this.ttlMs === 0 || !this.subscribed) return;
    this.entries.set(key, { value, expiresAt: Date.now() + (value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs) });
  }

  /** Drops the key (or '*': everything) here and in every other process. */
  async invalidate(key: string): Promise<void> {
    if (key === '*') this.entries.clear();
    else this.entries.delete(key);
    try {
      await this.publisher.publish(this.channel, key);
    } catch (error) {
      this.logger.error({ err: error, channel: this.channel, key }, 'could not publish a cache invalidation; other processes see the change when their entry expires');
    }
  }
}
