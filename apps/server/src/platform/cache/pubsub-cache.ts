import { type Redis, whenReady } from '../redis/redis';
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
  /**
   * Errors of a load that mean "the source is unreachable" (not "the key is unknown"): then an
   * expired value of the key is served instead, for at most maxStaleMs past its expiry. Off
   * when unset: a failed load fails.
   */
  serveStaleOn?: (error: unknown) => boolean;
  /** How long past its expiry a value may be served when serveStaleOn says so (default 15 min). */
  maxStaleMs?: number;
}

interface Entry<T> {
  value: T | null;
  expiresAt: number;
  /** Until when the value may still be served because its source is unreachable (values only). */
  staleUntil: number;
  /** When the key's last load failed for want of the source (serveStaleOn): its value is then served at once. */
  failedAt?: number;
}

/** An invalidation the other processes were not told of (Redis does not answer). */
export class InvalidationNotPublishedError extends Error {}

/** While the source stays unreachable, a key's value is reloaded (in the background) at most this often. */
const STALE_RETRY_MS = 1_000;

/**
 * How long a request waits on the reload of a key holding a last good value before it is
 * served that value (the reload goes on in the background): a hung database — the pool waits
 * 5 s for a connection — must not hold the request past its 1 s.
 */
const STALE_WAIT_MS = 200;
const WAITED = Symbol('waited');

/**
 * A bounded in-memory cache shared-invalidated through Redis pub/sub: `invalidate(key)` drops
 * the key here and in every other process at once. While the subscription is down (before it
 * is up, and from a disconnect until it is back), nothing is served from memory: a message may
 * have been missed. Entries also expire after ttlMs; `null` (remembered absence) after at most 5 s.
 * An expired value is kept (within the same bounds) as the last good one, served while its
 * source does not answer: a reload that failed for a reason serveStaleOn accepts (a database
 * outage), one already pending, or one slower than STALE_WAIT_MS. A key then has at most one
 * reload in flight, in the background. Invalidations still drop it.
 */
export class PubSubCache<T> {
  private readonly values = new Map<string, Entry<T>>();
  private readonly absent = new Map<string, Entry<T>>();
  private subscribed = false;
  /** Counts the gaps in the subscription, so a SUBSCRIBE answered across a newer gap is not trusted. */
  private gaps = 0;
  private resubscribing = false;
  /**
   * Loads in flight by key (several may run at once for one key), each marked stale by an
   * invalidation of its key (or of everything) while it runs: such a load may have read what
   * the invalidation replaced, so it is not kept.
   */
  private readonly loading = new Map<string, Set<{ stale: boolean }>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxAbsent: number;
  private readonly serveStaleOn?: (error: unknown) => boolean;
  private readonly maxStaleMs: number;

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
    this.serveStaleOn = options.serveStaleOn;
    this.maxStaleMs = options.maxStaleMs ?? 15 * 60_000;
  }

  /** Resolves once subscribed; callers need not wait (the cache is simply off until then). */
  start(): Promise<void> {
    this.subscriber.on('message', (channel: string, key: string) => {
      if (channel === this.channel) this.forget(key);
    });
    this.subscriber.on('close', () => this.gap());
    // Subscribed again after a reconnect by this, not by ioredis (a `subscriber` connection:
    // RedisConnections.create); served from memory only once that is confirmed, starting empty.
    this.subscriber.on('ready', () => {
      this.forget('*');
      this.subscribe().catch(() => undefined);
    });
    // A Cluster client moves its subscription off a failed node by itself, with no 'close':
    // what was published meanwhile is missed. A node leaving is treated as such a gap.
    this.subscriber.on('-node', () => this.resubscribe());
    return this.subscribe();
  }

  /** A stretch in which published invalidations may have been missed: serve nothing until subscribed again. */
  private gap() {
    this.subscribed = false;
    this.gaps++;
    this.forget('*');
  }

  /**
   * One retry chain, however many `-node` events a long failover brings: each event only marks
   * a gap, which the running chain sees (a subscription confirmed across a gap does not count).
   */
  private resubscribe() {
    this.gap();
    if (this.resubscribing) return;
    this.resubscribing = true;
    const attempt = () => {
      if (this.subscribed || this.subscriber.status === 'end') return void (this.resubscribing = false);
      this.subscribe().then(attempt, () => setTimeout(attempt, 1_000).unref());
    };
    attempt();
  }

  private async subscribe(): Promise<void> {
    const gaps = this.gaps;
    await this.subscriber.subscribe(this.channel);
    if (gaps !== this.gaps) return; // another gap began meanwhile: what it missed is not known yet
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
    const now = Date.now();
    if (entry.expiresAt < now && !(entry.staleUntil >= now)) return undefined;
    map.set(key, entry); // most recently used last (an expired value stays, as the last good one)
    return entry.expiresAt < now ? undefined : entry.value;
  }

  /**
   * The cached value, or `load`'s, remembered unless an invalidation arrived while it loaded
   * (so a revocation racing a lookup is never undone by the lookup's older read). A key with a
   * last good value (see the class) gets it while its source does not answer.
   */
  async getOrLoad(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const last = this.lastGood(key);
    if (last === undefined) return this.load(key, load);
    const { entry, value } = last;
    if (this.loading.has(key) || Date.now() - (entry.failedAt ?? -Infinity) < STALE_RETRY_MS) return value;
    const loaded = this.load(key, load);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<typeof WAITED>((resolve) => (timer = setTimeout(() => resolve(WAITED), STALE_WAIT_MS)));
    try {
      const first = await Promise.race([loaded, waited]);
      if (first !== WAITED) return first;
      loaded.catch(() => undefined); // goes on in the background
      return this.lastGood(key)?.value ?? loaded; // an invalidation meanwhile: wait for the load after all
    } finally {
      clearTimeout(timer);
    }
  }

  private async load(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const mark = { stale: false };
    let marks = this.loading.get(key);
    if (!marks) this.loading.set(key, (marks = new Set()));
    marks.add(mark);
    try {
      const value = await load();
      if (!mark.stale) this.set(key, value);
      return value;
    } catch (error) {
      const last = this.serveStaleOn?.(error) ? this.lastGood(key) : undefined;
      if (last === undefined) throw error;
      last.entry.failedAt = Date.now();
      return last.value;
    } finally {
      marks.delete(mark);
      if (marks.size === 0 && this.loading.get(key) === marks) this.loading.delete(key);
    }
  }

  /**
   * The key's expired value, still within maxStaleMs and not invalidated (an invalidation
   * deletes the entry; a lost subscription serves nothing). Looked up again after a failed
   * load, so an invalidation that arrived during it applies.
   */
  private lastGood(key: string): { entry: Entry<T>; value: T } | undefined {
    const entry = this.values.get(key);
    if (!this.subscribed || !entry || entry.value === null || entry.staleUntil < Date.now() || !this.serveStaleOn) return undefined;
    return { entry, value: entry.value };
  }

  set(key: string, value: T | null) {
    if (this.ttlMs === 0 || !this.subscribed) return;
    const [map, max, other] = value === null ? [this.absent, this.maxAbsent, this.values] : [this.values, this.maxEntries, this.absent];
    other.delete(key);
    map.delete(key);
    while (map.size >= max) map.delete(map.keys().next().value!);
    const expiresAt = Date.now() + (value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs);
    map.set(key, { value, expiresAt, staleUntil: value === null || !this.serveStaleOn ? expiresAt : expiresAt + this.maxStaleMs });
  }

  /** How many values and absences are held (bounded by maxEntries + maxAbsent). */
  get size(): number {
    return this.values.size + this.absent.size;
  }

  /**
   * Drops the key (or '*': everything) here and in every other process. A failed publish is
   * retried once, when the connection is back (within a second). Still unpublished, other
   * processes keep their entry until it expires — and up to maxStaleMs longer while their
   * database is unreachable: `required` (a revocation) then rejects (InvalidationNotPublishedError).
   */
  async invalidate(key: string, { required = false } = {}): Promise<void> {
    this.forget(key);
    try {
      await this.publisher.publish(this.channel, key);
      return;
    } catch {
      // retried below
    }
    try {
      await whenReady(this.publisher, 1_000);
      await this.publisher.publish(this.channel, key);
    } catch (error) {
      this.logger.error({ err: error, channel: this.channel, key }, 'could not publish a cache invalidation: other processes keep their entry until it expires (longer while their database is unreachable)');
      if (required) throw new InvalidationNotPublishedError(`the invalidation of ${key} could not be published`, { cause: error });
    }
  }

  /**
   * Drops the key (or '*') in this process only, loads in flight included (they are not kept),
   * telling no other: for a change this process must see at once that the others were already
   * told of, or could not be (invalidate).
   */
  forget(key: string) {
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
