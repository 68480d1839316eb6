export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1, the random share of each delay ("full jitter" is 1). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.5 };

/**
 * The wait before retry number `attempt` (1 = the first retry): exponential, capped, with
 * jitter so that many failed runs do not come back at the same instant. A provider's
 * Retry-After, when longer, wins.
 */
export function retryDelayMs(attempt: number, retryAfterMs?: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential * (1 - options.jitter) + exponential * options.jitter * random();
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
