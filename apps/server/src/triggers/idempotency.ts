import { createHash } from 'node:crypto';
import type { Redis } from '../platform/redis/redis';
import { withRequestDeadline } from '../platform/redis/redis';
import type { RequestBudget } from '../platform/redis/request-budget';

/**
 * Idempotency-Key (SPEC §5.1), shared by every gateway through Redis: one atomic claim per
 * request, awaited, and — once its run is queued — one atomic mark, not awaited. The claim stores the body's hash and the answer the request will give (a 202 whose
 * run id derives from the key, so it is known before the run is queued); once the run is
 * queued the claim is marked done. So a repeat with the same body gets that answer when the
 * claim is done, 409 while it is not (the first is in flight), and may claim again once a
 * claim is older than IN_FLIGHT_MS and not done (the gateway died, or Redis stopped answering,
 * before queueing); another body gets 422. Kept 24 h.
 *
 * A gateway that dies between the queue add and the mark leaves a claim that is not done: the
 * claim also counts as done while the run's job exists (completed run jobs are kept an hour, or
 * the last 10,000, whichever is fewer: ~2 min at 5,000 runs a minute; see runJob). After that a repeat queues the same job id again and answers the same run;
 * the worker finds that run finished in PostgreSQL and leaves it alone (engine `finished-before`),
 * so it never runs twice — the repeat's answer only lacks `Idempotent-Replayed`.
 */
const CLAIM = `
local existing = redis.call('HMGET', KEYS[1], 'body', 'state', 'at', 'response')
local now = tonumber(ARGV[5])
if not existing[1] then
  redis.call('HSET', KEYS[1], 'body', ARGV[1], 'state', 'pending', 'at', ARGV[5], 'response', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return { 'claimed' }
end
if existing[1] ~= ARGV[1] then return { 'mismatch' } end
if existing[2] == 'done' then return { 'done', existing[4] } end
if redis.call('EXISTS', unpack(KEYS, 2)) > 0 then
  redis.call('HSET', KEYS[1], 'state', 'done')
  return { 'done', existing[4] }
end
if now - tonumber(existing[3]) < tonumber(ARGV[2]) then return { 'inflight' } end
redis.call('HSET', KEYS[1], 'at', ARGV[5], 'response', ARGV[3])
return { 'claimed' }
`;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/**
 * Longer than a request takes from its claim to its queue add (bounded by
 * REQUEST_REDIS_DEADLINE_MS); a claim this old without a job was abandoned — by a gateway that
 * died, or by a request refused while Redis did not answer whose release was lost too. Taking
 * over a claim whose request is in fact still going is safe: both add the same job id, which
 * BullMQ stores once, and both answer the same run.
 */
const IN_FLIGHT_MS = 5_000;
/** Marks a claim done; a claim already gone (released, expired) is not made again. */
const DONE = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'state', 'done') end return 1`;
const KEEP_MS = 24 * 3600_000;

export type Claim = { outcome: 'claimed' } | { outcome: 'mismatch' } | { outcome: 'inflight' } | { outcome: 'done'; response: unknown };

type WithCommand = Redis & {
  visapiIdemClaim(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<string[]>;
  visapiIdemDone(key: string): Promise<number>;
};

export class IdempotencyStore {
  private readonly redis: WithCommand;

  constructor(redis: Redis) {
    redis.defineCommand('visapiIdemClaim', { lua: CLAIM });
    redis.defineCommand('visapiIdemDone', { lua: DONE, numberOfKeys: 1 });
    this.redis = redis as WithCommand;
  }

  /**
   * `jobKeys`: where the claimed request's job may be (BullMQ's `<prefix>:<queue>:<run id>`, one
   * per run queue: the workflow's priority may change between the first request and a repeat).
   */
  async claim(redisKey: string, jobKeys: string[], body: string | Buffer, response: unknown, budget?: RequestBudget): Promise<Claim> {
    const claim = () => this.redis.visapiIdemClaim(1 + jobKeys.length, redisKey, ...jobKeys, hashBody(body), IN_FLIGHT_MS, JSON.stringify(response), KEEP_MS, Date.now());
    const [outcome, stored] = await withRequestDeadline(claim, this.redis, 'idempotency claim', budget);
    if (outcome === 'done') return { outcome, response: JSON.parse(stored!) };
    return { outcome: outcome as 'claimed' | 'mismatch' | 'inflight' };
  }

  /**
   * The claimed request's run is queued: repeats get its answer from now on, whatever became of
   * the job. Sent, not waited for, and no deadline: the answer does not wait for it, and the
   * connection has no offline queue, so it fails at once while Redis is down. Should it be lost,
   * the job's existence stands in for it (see above).
   */
  done(redisKey: string): void {
    this.redis.visapiIdemDone(redisKey).catch(() => undefined);
  }

  /** Nothing was accepted: let a retry try again at once. Not held to the request's budget: the answer does not wait for it. */
  async release(redisKey: string): Promise<void> {
    await withRequestDeadline(() => this.redis.del(redisKey), this.redis, 'idempotency release');
  }
}

/** What a claim stores of the body: a repeat with another body is told apart by it. */
export const hashBody = (body: string | Buffer) => createHash('sha256').update(body).digest('base64url');

/** Where a key's claim is. `scope` separates API keys (and signing secrets): the same key under two scopes is two claims. */
export function idempotencyRedisKey(prefix: string, scope: string, key: string): string {
  return `${prefix}:idem:${scope}:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * The run id of an idempotent request, derived from its scope and key: even if a gateway dies
 * between queueing and recording the answer, a retry queues the same job id, which BullMQ
 * does not add twice.
 */
export function idempotentRunId(scope: string, key: string): string {
  const h = createHash('sha256').update(`${scope}\u0000${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
