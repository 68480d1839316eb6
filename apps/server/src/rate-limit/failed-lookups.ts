import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import type { Config } from '../platform/config/config';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import type { RequestBudget } from '../platform/redis/request-budget';
import { clientBucketKey } from './client-address';
import type { Bucket } from './rate-limiter';
import { RateLimitService } from './rate-limit.service';

const MAX_BLOCKED = 10_000;
const MAX_KNOWN_VALID = 10_000;

/**
 * Every unknown API key, session or webhook key costs a database query: a client guessing
 * them is throttled per client (an IPv6 /64 counts as one, see clientBucketKey). Each failed
 * lookup takes a token from the client's bucket in Redis (shared by all gateways); once it is
 * empty, this process refuses the client's lookups with 429 until a token is back, before
 * asking the database — except for credentials this process has seen valid before, so a
 * partner or a signed-in user behind the same address (a shared proxy, a NAT) as a guesser
 * keeps working. Whether such a credential is still valid is the database's answer, as ever.
 */
@Injectable()
export class FailedLookups {
  private readonly bucket: Bucket;
  /** Client → when its lookups may resume (ms), oldest first. */
  private readonly blocked = new Map<string, number>();
  /** Credentials (`kind:id`) seen valid here, least recently used first. */
  private readonly knownValid = new Map<string, true>();

  constructor(
    private readonly limiter: RateLimitService,
    private readonly metrics: Metrics,
    @Inject(CONFIG) config: Pick<Config, 'FAILED_LOOKUP_RATE_LIMIT_BURST' | 'FAILED_LOOKUP_RATE_LIMIT_PER_SECOND'>,
  ) {
    this.bucket = { burst: config.FAILED_LOOKUP_RATE_LIMIT_BURST, perSecond: config.FAILED_LOOKUP_RATE_LIMIT_PER_SECOND };
  }

  /** Throws 429 (with Retry-After) while `ip` may not look `credential` up. */
  check(ip: string | undefined, credential: string): void {
    const client = ip === undefined ? undefined : clientBucketKey(ip);
    const until = client === undefined ? undefined : this.blocked.get(client);
    if (until === undefined || this.knownValid.has(credential)) return;
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) {
      this.blocked.delete(client!);
      return;
    }
    this.metrics.rateLimited.inc({ kind: 'ip' });
    throw new ProblemException('tooManyRequests', `Too many unknown credentials or keys from this address: retry after ${seconds} s.`, undefined, {
      'retry-after': String(seconds),
    });
  }

  /** A lookup of `credential` found it valid: it is never throttled here again. */
  succeeded(credential: string): void {
    if (this.knownValid.delete(credential) || this.knownValid.size < MAX_KNOWN_VALID) return void this.knownValid.set(credential, true);
    this.knownValid.delete(this.knownValid.keys().next().value!);
    this.knownValid.set(credential, true);
  }

  /**
   * Counts a failed lookup by `ip`, within the request's `budget`. Never throws: while Redis is
   * down or the budget is spent, nothing is counted.
   */
  async failed(ip: string | undefined, budget?: RequestBudget): Promise<void> {
    if (ip === undefined) return;
    const client = clientBucketKey(ip);
    const result = await this.limiter.take(`lookup-failed:${client}`, this.bucket, budget).catch(() => undefined);
    if (!result || result.allowed) return;
    this.blocked.delete(client);
    if (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(client, Date.now() + result.retryAfterSeconds * 1000);
  }
}
