import { sameBytes, sha256 } from '../platform/crypto/tokens';

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first, so
 * the constant-time comparison does not reveal the token's length either.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match !== null && sameBytes(sha256(match[1]!), sha256(token));
}
