import type { Scope } from '@visapi/contracts';
import type { Principal } from '../platform/http/principal';
import { ProblemException } from '../platform/http/problem';
import type { Bucket } from '../rate-limit/rate-limiter';

/**
 * SPEC §3.1: a key can only make keys it could be itself. An API key (never an admin session)
 * that creates, rotates (which reveals a secret) or revokes a key may only touch keys whose
 * scopes it holds and whose rate limit is no larger than its own, and what it creates or
 * rotates expires no later than it does — so a `manage_keys` key can neither mint a stronger
 * key nor outlive its own expiry through one.
 */
export function assertScopesHeld(by: Principal | undefined, scopes: Scope[], action: string) {
  if (by?.kind !== 'apiKey') return;
  const missing = [...new Set(scopes.filter((scope) => !by.scopes.includes(scope)))];
  if (missing.length > 0) throw forbidden(`An API key cannot ${action} scopes it does not hold itself: ${missing.join(', ')}.`);
}

/**
 * When a key made or rotated by an API key expires: at the latest when its maker does, so
 * nothing a key hands out outlives it (`wanted` is clamped, not refused: the answer shows it).
 */
export function childExpiry(by: Principal | undefined, wanted: Date): Date {
  return by?.kind === 'apiKey' && wanted > by.expiresAt ? by.expiresAt : wanted;
}

/** A new key's own rate limit (null: the defaults), at most its maker key's. */
export function childRateLimit(by: Principal | undefined, wanted: Bucket | undefined, defaults: Bucket): Bucket | null {
  if (by?.kind !== 'apiKey') return wanted ?? null;
  if (wanted) {
    if (exceeds(wanted, by.rateLimit)) throw forbidden(`A key made by an API key cannot have a larger rate limit than it (burst ${by.rateLimit.burst}, ${by.rateLimit.perSecond}/s).`);
    return wanted;
  }
  return exceeds(defaults, by.rateLimit) ? by.rateLimit : null;
}

/** Rotating a key hands out its secret: only a key no stronger than the caller's (its expiry is clamped, childExpiry). */
export function assertNotStronger(by: Principal | undefined, key: { scopes: Scope[]; rateLimit: Bucket }, action: string) {
  assertScopesHeld(by, key.scopes, action);
  if (by?.kind === 'apiKey' && exceeds(key.rateLimit, by.rateLimit)) throw forbidden(`An API key cannot ${action} a larger rate limit than its own.`);
}

const exceeds = (a: Bucket, b: Bucket) => a.burst > b.burst || a.perSecond > b.perSecond;
const forbidden = (detail: string) => new ProblemException('forbidden', detail);
