import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ApiKey, CreateApiKey, CreatedApiKey, Scope } from '@visapi/contracts';
import { sameBytes } from '../platform/crypto/tokens';
import { keyset } from '../platform/http/cursor';
import { ProblemException, redisUnavailable } from '../platform/http/problem';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { actor, type Principal } from '../platform/http/principal';
import { LogService } from '../logs/log-write.service';
import { InvalidationNotPublishedError, PubSubCache } from '../platform/cache/pubsub-cache';
import { isDatabaseUnavailable } from '../platform/db/unavailable';
import { FailedLookups } from '../rate-limit/failed-lookups';
import type { Bucket } from '../rate-limit/rate-limiter';
import { generateKey, hashSecret, parseKey } from './api-key-format';
import { assertNotStronger, assertScopesHeld, childExpiry, childRateLimit } from './key-powers';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository';

const DEFAULT_EXPIRY_DAYS = 90;
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeysService implements OnModuleInit {
  /** Verified rows by prefix: no database round trip per request (docs/auth.md). */
  private readonly cache: PubSubCache<ApiKeyRow>;
  private readonly lastTouched = new Map<string, number>();

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'API_KEY_CACHE_TTL_MS' | 'API_KEY_RATE_LIMIT_BURST' | 'API_KEY_RATE_LIMIT_PER_SECOND'>,
    @Inject(REDIS) redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: ApiKeysRepository,
    private readonly logs: LogService,
    private readonly failedLookups: FailedLookups,
  ) {
    this.cache = new PubSubCache<ApiKeyRow>(
      redis.create('subscriber', 'visapi:api-keys:sub'),
      redis.create('command', 'visapi:api-keys:pub'),
      redis.key('api-keys', 'changed'),
      // A known key stays usable through a database outage (its last good row); a revoked one stays revoked.
      { ttlMs: config.API_KEY_CACHE_TTL_MS, serveStaleOn: isDatabaseUnavailable },
      logger,
    );
  }

  /** Resolves when the cache listens for changes (tests wait for it). */
  ready: Promise<void> = Promise.resolve();

  onModuleInit() {
    this.ready = this.cache.start().catch((error: unknown) => {
      this.logger.error({ err: error }, 'API key cache could not subscribe to changes; verifying every key in the database');
    });
  }

  async create(input: CreateApiKey, by?: Principal): Promise<CreatedApiKey> {
    assertScopesHeld(by, input.scopes, 'create a key with');
    const expiresAt = childExpiry(by, new Date(Date.now() + (input.expiresInDays ?? DEFAULT_EXPIRY_DAYS) * 86_400_000));
    const rateLimit = childRateLimit(by, input.rateLimit, this.defaultRateLimit);
    const { key, prefix, secretHash } = generateKey();
    const row = await this.repository.insert({
      label: input.label,
      prefix,
      secret_hash: secretHash,
      scopes: [...new Set(input.scopes)],
      rate_limit_burst: rateLimit?.burst ?? null,
      rate_limit_per_second: rateLimit?.perSecond ?? null,
      expires_at: expiresAt,
      created_by: by?.kind === 'user' ? by.id : null,
    });
    await this.cache.invalidate(prefix);
    this.audit('api_key.created', row, by, { label: row.label, scopes: row.scopes, expiresAt: row.expires_at });
    return { ...toApiKey(row), key };
  }

  async list(limit: number, cursor?: string): Promise<{ items: ApiKey[]; nextCursor: string | null }> {
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.list(take, after), toApiKey);
  }

  async rotate(id: string, graceHours = 24, by?: Principal): Promise<CreatedApiKey> {
    const existing = await this.repository.findById(id);
    if (!existing || existing.revoked_at) throw new ProblemException('notFound', 'No active API key has this id.');
    assertNotStronger(by, { scopes: existing.scopes as Scope[], rateLimit: this.rateLimitOf(existing) }, 'rotate a key with');
    const expiresAt = childExpiry(by, existing.expires_at);
    const { key, secretHash } = generateKey(existing.prefix);
    const row = await this.repository.rotate(id, secretHash, new Date(Date.now() + graceHours * 3_600_000), expiresAt < existing.expires_at ? expiresAt : undefined);
    if (!row) throw new ProblemException('notFound', 'No active API key has this id.');
    if (!(await this.toldGateways(row.prefix))) await this.undoUntoldRotation(existing, row);
    this.audit('api_key.rotated', row, by, { graceHours });
    return { ...toApiKey(row), key };
  }

  /**
   * Revokes a key; revoking a revoked key again changes nothing but telling the gateways again.
   * 503 when they could not be told (Redis does not answer): the revoke stands (their cached
   * entry could serve the key until it expires, or longer while the database is down); the
   * retry tells them. A rotation that could not be told is undone instead (rotate).
   */
  async revoke(id: string, by?: Principal): Promise<void> {
    const existing = await this.repository.findById(id);
    if (!existing) throw new ProblemException('notFound', 'No API key has this id.');
    assertScopesHeld(by, existing.scopes as Scope[], 'revoke a key with');
    const row = await this.repository.revoke(id);
    if (row) this.audit('api_key.revoked', row, by, {});
    if (!(await this.toldGateways(existing.prefix))) {
      throw redisUnavailable('The key is revoked, but the other gateways could not be told (Redis does not answer): they may accept it until their cached copy expires. Retry the revoke to tell them.');
    }
  }

  /** Drops the key from every gateway's cache; false when they could not be told (Redis does not answer). */
  private async toldGateways(prefix: string): Promise<boolean> {
    try {
      await this.cache.invalidate(prefix, { required: true });
      return true;
    } catch (error) {
      if (!(error instanceof InvalidationNotPublishedError)) throw error;
      return false;
    }
  }

  /**
   * A rotation the other gateways could not be told of: untold, they would go on refusing the new
   * secret and, with no grace, accepting the old one until their entry expires; and a 503 cannot
   * hand out the new key. So it is undone, and answers 503: nothing changed, the retry rotates.
   * It is forgotten here too: a request may have cached the rotated row while the gateways were
   * being told. Another gateway that read the row meanwhile keeps it until its entry expires.
   *
   * When the undo fails too (PostgreSQL down as well), the rotation stands: this returns, and it
   * is answered with its new key — a 503 would lose the only copy of the key in force (with no
   * grace, the key would be unusable). The other gateways keep their entry until it expires
   * (longer while their database is unreachable).
   */
  private async undoUntoldRotation(before: ApiKeyRow, rotated: ApiKeyRow): Promise<void> {
    try {
      await this.repository.undoRotation(before, rotated);
    } catch (error) {
      this.logger.warn(
        { err: error, apiKeyId: rotated.id },
        'a rotation the other gateways could not be told of could not be undone either: it stands (answered with its new key); they keep their cached entry until it expires',
      );
      return; // what this gateway may have cached since is the rotated row: it stands
    }
    this.cache.forget(rotated.prefix);
    throw redisUnavailable(
      `The key was not rotated: the other gateways could not be told (Redis does not answer), so the rotation was undone and the old secret is unchanged. A gateway that read the rotated key meanwhile may refuse the old secret until its cache expires (within ${Math.ceil(this.config.API_KEY_CACHE_TTL_MS / 1000)} s). Retry the rotation.`,
    );
  }

  /**
   * The principal a raw key stands for, or undefined for any kind of invalid key. `clientIp`:
   * who asks, throttled when it presents too many invalid keys (see FailedLookups; the count is
   * not waited for).
   */
  async verify(raw: string, clientIp?: string): Promise<Principal | undefined> {
    const principal = await this.principalOf(raw, clientIp);
    if (!principal) void this.failedLookups.failed(clientIp);
    return principal;
  }

  private async principalOf(raw: string, clientIp: string | undefined): Promise<Principal | undefined> {
    const parsed = parseKey(raw);
    if (!parsed) return undefined;
    const hash = hashSecret(parsed.secret);
    const credential = `key:${parsed.prefix}:${hash.toString('base64url')}`;
    const row = await this.cache.getOrLoad(parsed.prefix, async () => {
      this.failedLookups.check(clientIp, credential);
      return (await this.repository.findByPrefix(parsed.prefix)) ?? null;
    });
    if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) return undefined;
    const current = sameBytes(hash, row.secret_hash);
    const previous =
      !current &&
      row.previous_secret_hash !== null &&
      row.previous_secret_expires_at !== null &&
      row.previous_secret_expires_at.getTime() > Date.now() &&
      sameBytes(hash, row.previous_secret_hash);
    if (!current && !previous) return undefined;
    this.failedLookups.succeeded(credential);
    this.touch(row.id);
    return {
      kind: 'apiKey',
      id: row.id,
      prefix: row.prefix,
      scopes: row.scopes as Scope[],
      rateLimit: this.rateLimitOf(row),
      expiresAt: row.expires_at,
    };
  }

  private get defaultRateLimit(): Bucket {
    return { burst: this.config.API_KEY_RATE_LIMIT_BURST, perSecond: this.config.API_KEY_RATE_LIMIT_PER_SECOND };
  }

  /** A key's bucket: its own, else the defaults. */
  private rateLimitOf(row: ApiKeyRow): Bucket {
    return row.rate_limit_burst !== null && row.rate_limit_per_second !== null ? { burst: row.rate_limit_burst, perSecond: row.rate_limit_per_second } : this.defaultRateLimit;
  }

  /** last_used_at, written at most once a minute per key and never on the request path. */
  private touch(id: string) {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(id, now);
    this.repository.touch(id, new Date(now)).catch((error: unknown) => {
      this.lastTouched.delete(id);
      this.logger.warn({ err: error, apiKeyId: id }, 'could not record last_used_at');
    });
  }

  private audit(action: string, row: ApiKeyRow, by: Principal | undefined, details: Record<string, unknown>) {
    const who = actor(by);
    this.logs.audit({ actorId: who.actorId, action, target: `api_key:${row.id}`, details: { ...details, actorType: who.actorType, prefix: row.prefix } });
  }
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    label: row.label,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    rateLimit:
      row.rate_limit_burst !== null && row.rate_limit_per_second !== null
        ? { burst: row.rate_limit_burst, perSecond: row.rate_limit_per_second }
        : null,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null,
  };
}
