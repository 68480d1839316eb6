import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import type { Config } from '../platform/config/config';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
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

  /** Counts under way (settled() waits for them). */
  private readonly counting = new Set<Promise<void>>();

  /**
   * Counts a failed lookup by `ip`. Callers do not wait for it (`void`): the 401/404 does not
   * wait on Redis. Not held to the request's time for Redis either — that budget has often been
   * spent by the slow lookup itself, and a guesser would then never be counted. Never rejects:
   * while Redis is down nothing is counted.
   */
  failed(ip: string | undefined): Promise<void> {
    if (ip === undefined) return Promise.resolve();
    const counted = this.count(clientBucketKey(ip)).catch(() => undefined);
    this.counting.add(counted);
    void counted.finally(() => this.counting.delete(counted));
    return counted;
  }

  /** Resolves once the counts under way are in (their client blocked if need be). */
  async settled(): Promise<void> {
    await Promise.all(this.counting);
  }

  private async count(client: string): Promise<void> {
    const result = await this.limiter.take(`lookup-failed:${client}`, this.bucket);
    if (result.allowed) return;
    this.blocked.delete(client);
    if (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(client, Date.now() + result.retryAfterSeconds * 1000);
  }
}
