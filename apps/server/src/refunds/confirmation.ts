import { createHash, createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sameBytes } from '../platform/crypto/tokens';

/** What a preview showed and its token confirms: exactly these values, by this actor, until `expiresAt`. */
export interface Confirmation {
  chargeId: string;
  /** The amount the operator asked for (null: the whole unrefunded rest). */
  requested: number | null;
  /** The refund's amount as previewed, in minor units. */
  amount: number;
  currency: string;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  /** The note's SHA-256 (base64url), not the note: a long non-Latin note would not fit a token. */
  noteHash: string | null;
  actorId: string;
  sandbox: boolean;
  expiresAt: number;
}

const payloadSchema = z.object({
  v: z.literal(1),
  c: z.string(),
  q: z.number().int().nullable(),
  a: z.number().int().positive(),
  cur: z.string(),
  r: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']),
  n: z.string().nullable(),
  u: z.string(),
  sb: z.boolean(),
  e: z.number().int(),
  j: z.string(),
});

/**
 * Refund confirmation tokens: `base64url(JSON).base64url(HMAC-SHA256)` under a key derived
 * from the server's signing secret (FILE_SIGNING_KEY), so any gateway verifies them and no
 * row is needed until the refund is made. The random `j` makes every preview its own
 * confirmation: its digest is the refund row's unique key and the root of its Idempotency-Key.
 */
/** `<base64url body>.<base64url HMAC-SHA256>`, unpadded: the only spelling verify() takes. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,1900}\.[A-Za-z0-9_-]{43}$/;

export class ConfirmationSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('visapi/refund-confirmation/v1').digest();
  }

  sign(c: Omit<Confirmation, 'noteHash'> & { note: string | null }): string {
    const payload: z.infer<typeof payloadSchema> = {
      v: 1, c: c.chargeId, q: c.requested, a: c.amount, cur: c.currency, r: c.reason, n: noteHash(c.note), u: c.actorId, sb: c.sandbox, e: c.expiresAt, j: randomBytes(12).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The confirmation a token carries, or undefined when it is not one this server signed. */
  verify(token: string): Confirmation | undefined {
    // One spelling only: base64url decoding forgives padding, stray characters and the last
    // character's unused bits, and each spelling would be a new confirmation (a new refund).
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const [body, mac] = token.split('.') as [string, string];
    if (!sameBytes(Buffer.from(mac), Buffer.from(this.mac(body).toString('base64url')))) return undefined;
    try {
      const p = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      return { chargeId: p.c, requested: p.q, amount: p.a, currency: p.cur, reason: p.r, noteHash: p.n, actorId: p.u, sandbox: p.sb, expiresAt: p.e };
    } catch {
      return undefined;
    }
  }

  /** One confirmation's identity, stored unique with its refund: the signed body (it holds the nonce). */
  digest(token: string): string {
    return createHash('sha256').update(token.split('.')[0]!).digest('hex');
  }

  /** The Idempotency-Key Stripe receives for a confirmation: the same on every retry and every gateway. */
  idempotencyKey(digest: string): string {
    return `visapi-refund-${createHmac('sha256', this.key).update(`idempotency\n${digest}`).digest('hex').slice(0, 48)}`;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

export function noteHash(note: string | null): string | null {
  return note === null ? null : createHash('sha256').update(note).digest('base64url');
}
