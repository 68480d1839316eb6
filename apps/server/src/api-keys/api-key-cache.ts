import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiKeyRow } from './api-keys.repository';

/**
 * Verified-key rows held in memory by prefix, so verifying a key costs no database round
 * trip. Any change to a key is published on Redis; every gateway drops that prefix at once.
 * If the subscription drops, the whole cache is cleared when it comes back (a message may
 * have been missed), and entries expire after ttlMs regardless.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { row: ApiKeyRow | null; expiresAt: number }>();
  /** Without the subscription, a revocation elsewhere would go unseen: no caching until then. */
  private subscribed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    private readonly channel: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Subscribes to changes. Resolves once subscribed; the gateway does not wait for it, so it
   * starts while Redis is down (health says so), with the cache off until then.
   */
  start(): Promise<void> {
    this.subscriber.on('message', (channel: string, prefix: string) => {
      if (channel === this.channel) this.entries.delete(prefix);
    });
    this.subscriber.on('ready', () => this.entries.clear());
    return this.subscriber.subscribe(this.channel).then(() => {
      this.subscribed = true;
    });
  }

  get(prefix: string): ApiKeyRow | null | undefined {
    if (!this.subscribed) return undefined;
    const entry = this.entries.get(prefix);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(prefix);
      return undefined;
    }
    return entry.row;
  }

  /** `null` remembers that no key has this prefix (briefly), so probing costs no queries. */
  set(prefix: string, row: ApiKeyRow | null) {
    if (this.ttlMs === 0 || !this.subscribed) return;
    this.entries.set(prefix, { row, expiresAt: Date.now() + (row ? this.ttlMs : Math.min(this.ttlMs, 5_000)) });
  }

  /** Drops the prefix here and on every other gateway. */
  async invalidate(prefix: string): Promise<void> {
    this.entries.delete(prefix);
    try {
      await this.publisher.publish(this.channel, prefix);
    } catch (error) {
      this.logger.error({ err: error, prefix }, 'could not publish an API key change; other gateways see it when their cache expires');
    }
  }
}
