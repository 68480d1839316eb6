import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks: a message more than this far from our clock (either way) is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export interface SignedMessage {
  /** `webhook-id` */
  id: string;
  /** `webhook-timestamp`: Unix seconds */
  timestamp: string;
  /** `webhook-signature`: space-separated `v1,<base64>` entries */
  signature: string;
  /** The body exactly as received: JSON, a form, anything. */
  body: Buffer;
}

/**
 * Verifies a Standard Webhooks signature over the raw body bytes: HMAC-SHA256 with the
 * secret (the base64 after `whsec_`) over `${id}.${timestamp}.${body}`, any `v1` entry
 * matching, compared in constant time. (The `standardwebhooks` package parses the body as
 * JSON after verifying, so it cannot take a signed form.)
 */
export function verifyStandardWebhook(secret: string, message: SignedMessage, nowMs = Date.now()): boolean {
  const { id, timestamp, signature, body } = message;
  if (!id || !/^\d{1,15}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
  let valid = false;
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    // Every entry is compared, so the time taken does not say which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
