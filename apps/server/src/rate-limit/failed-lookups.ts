import { Inject, Injectable } from '@nestjs/common';
import type { Config } from '../platform/config/config';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import type { Bucket } from './rate-limiter';
import { RateLimitService } from './rate-limit.service';

const MAX_BLOCKED = 10_000;

/**
 * Every unknown API key, session or webhook key costs a database query: a client guessing
 * them is throttled per client IP. Each failed lookup takes a token from the IP's bucket in
 * Redis (shared by all gateways); once it is empty, this process refuses the IP's lookups with
 * 429 until a token is back, before asking the database. Credentials found in a gateway's
 * cache never come here, so partners sharing a proxy with a guesser keep working.
 */
@Injectable()
export class FailedLookups {
  private readonly bucket: Bucket;
  /** Client IP → when its lookups may resume (ms), oldest first. */
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly limiter: RateLimitService,
    @Inject(CONFIG) config: Config,
  ) {
    this.bucket = { burst: config.FAILED_LOOKUP_RATE_LIMIT_BURST, perSecond: config.FAILED_LOOKUP_RATE_LIMIT_PER_SECOND };
  }

  /** Throws 429 (with Retry-After) while `ip` may not look credentials up. */
  check(ip: string | undefined): void {
    const until = ip === undefined ? undefined : this.blocked.get(ip);
    if (until === undefined) return;
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) {
      this.blocked.delete(ip!);
      return;
    }
    throw new ProblemException('tooManyRequests', `Too many unknown credentials or keys from this address: retry after ${seconds} s.`, undefined, {
      'retry-after': String(seconds),
    });
  }

  /** Counts a failed lookup by `ip`. Never throws: while Redis is down, nothing is counted. */
  async failed(ip: string | undefined): Promise<void> {
    if (ip === undefined) return;
    const result = await this.limiter.take(`lookup-failed:${ip}`, this.bucket).catch(() => undefined);
    if (!result || result.allowed) return;
    this.blocked.delete(ip);
    if (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(ip, Date.now() + result.retryAfterSeconds * 1000);
  }
}
