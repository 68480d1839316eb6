import { randomBase62, sha256 } from '../platform/crypto/tokens';

const PREFIX_LENGTH = 12;
/** 43 base62 characters carry 256 bits. */
const SECRET_LENGTH = 43;
const KEY_PATTERN = /^vk_([A-Za-z0-9]{8,32})_([A-Za-z0-9]{32,128})$/;

export interface NewKey {
  key: string;
  prefix: string;
  secretHash: Buffer;
}

/** `vk_<prefix>_<secret>`: the prefix is stored in clear for lookup, the secret only hashed. */
export function generateKey(prefix = randomBase62(PREFIX_LENGTH)): NewKey {
  const secret = randomBase62(SECRET_LENGTH);
  return { key: `vk_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function parseKey(raw: string): { prefix: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(raw);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

/** Secrets are 256 random bits, so one SHA-256 is enough: no stretching needed. */
export function hashSecret(secret: string): Buffer {
  return sha256(secret);
}
