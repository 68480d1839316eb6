import type { Redis } from '../platform/redis/redis';

/**
 * Token bucket in one atomic round trip. Time comes from Redis (TIME), so every gateway
 * sees the same clock. The hash holds tokens and the time they were counted; it expires
 * once the bucket would be full again.
 */
const SCRIPT = `
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return { allowed, tostring(tokens) }
`;

export interface Bucket {
  burst: number;
  perSecond: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

type WithCommand = Redis & { visapiTokenBucket(key: string, burst: number, perSecond: number): Promise<[number, string]> };

export class RateLimiter {
  private readonly redis: WithCommand;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('visapiTokenBucket', { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as WithCommand;
  }

  async take(bucketKey: string, bucket: Bucket): Promise<RateLimitResult> {
    const [allowed, left] = await this.redis.visapiTokenBucket(`${this.prefix}:rl:${bucketKey}`, bucket.burst, bucket.perSecond);
    const tokens = Number(left);
    return {
      allowed: allowed === 1,
      limit: bucket.burst,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((bucket.burst - tokens) / bucket.perSecond),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / bucket.perSecond)),
    };
  }
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(result.limit),
    'ratelimit-remaining': String(result.remaining),
    'ratelimit-reset': String(result.resetSeconds),
  };
  if (!result.allowed) headers['retry-after'] = String(result.retryAfterSeconds);
  return headers;
}
