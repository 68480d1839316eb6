import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The local driver's download links: `/files/{key}?expires={unix seconds}&signature={hmac}`,
 * HMAC-SHA256 over the key and the expiry with FILE_SIGNING_KEY. Changing any byte of the key,
 * the expiry or the signature makes the check fail.
 */
export class FileLinkSigner {
  constructor(private readonly secret: string | Buffer) {}

  sign(key: string, expiresAt: Date): { expires: number; signature: string } {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return { expires, signature: this.mac(key, expires) };
  }

  /** 'valid', 'expired' or 'invalid' (tampered, malformed; leading zeros too: one expiry, one spelling). */
  verify(key: string, expires: string | undefined, signature: string | undefined, now = new Date()): 'valid' | 'expired' | 'invalid' {
    if (!expires || !signature || !/^[1-9]\d{0,11}$/.test(expires)) return 'invalid';
    const expected = Buffer.from(this.mac(key, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(expires) * 1000 <= now.getTime() ? 'expired' : 'valid';
  }

  private mac(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`v1\n${key}\n${expires}`).digest('base64url');
  }
}
