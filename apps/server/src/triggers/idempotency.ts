import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Idempotency-Key (SPEC §5.1), shared by every gateway through Redis. One atomic call claims
 * a key; the first request's answer is stored for 24 h. A repeat with the same body gets that
 * answer again; with another body, 422; while the first is still in flight, 409.
 */
const CLAIM = `
local existing = redis.call('HGETALL', KEYS[1])
if #existing == 0 then
  redis.call('HSET', KEYS[1], 'state', 'inflight', 'body', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'claimed' }
end
local h = {}
for i = 1, #existing, 2 do h[existing[i]] = existing[i + 1] end
if h['body'] ~= ARGV[1] then return { 'mismatch' } end
if h['state'] ~= 'done' then return { 'inflight' } end
return { 'done', h['status'], h['response'] }
`;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Long enough for any request; short enough that a crashed gateway's claim does not block retries for long. */
const IN_FLIGHT_TTL_MS = 60_000;
const DONE_TTL_MS = 24 * 3600_000;

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'mismatch' }
  | { outcome: 'inflight' }
  | { outcome: 'done'; status: number; response: unknown };

type WithCommand = Redis & { visapiIdemClaim(key: string, bodyHash: string, ttl: number): Promise<string[]> };

export class IdempotencyStore {
  private readonly redis: WithCommand;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('visapiIdemClaim', { numberOfKeys: 1, lua: CLAIM });
    this.redis = redis as WithCommand;
  }

  /** `scope` separates API keys (and signing secrets): the same key under two scopes is two keys. */
  redisKey(scope: string, key: string): string {
    return `${this.prefix}:idem:${scope}:${createHash('sha256').update(key).digest('base64url')}`;
  }

  async claim(redisKey: string, body: string): Promise<Claim> {
    const [outcome, status, response] = await this.redis.visapiIdemClaim(redisKey, hashBody(body), IN_FLIGHT_TTL_MS);
    if (outcome === 'done') return { outcome, status: Number(status), response: JSON.parse(response!) };
    return { outcome: outcome as 'claimed' | 'mismatch' | 'inflight' };
  }

  async complete(redisKey: string, status: number, response: unknown): Promise<void> {
    await this.redis.multi().hset(redisKey, 'state', 'done', 'status', String(status), 'response', JSON.stringify(response)).pexpire(redisKey, DONE_TTL_MS).exec();
  }

  /** Nothing was accepted: let a retry try again. */
  async release(redisKey: string): Promise<void> {
    await this.redis.del(redisKey);
  }
}

const hashBody = (body: string) => createHash('sha256').update(body).digest('base64url');

/**
 * The run id of an idempotent request, derived from its scope and key: even if a gateway dies
 * between queueing and recording the answer, a retry queues the same job id, which BullMQ
 * does not add twice.
 */
export function idempotentRunId(scope: string, key: string): string {
  const h = createHash('sha256').update(`${scope}\u0000${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
