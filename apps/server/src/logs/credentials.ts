/**
 * Credentials — tokens, keys, passwords, sessions — in field names and in free text: what an
 * `http.request` response (an OAuth token answer, a redirect's `location`, a text body), a
 * provider's error or a log message may carry. Part of the redaction of logs and step outputs
 * (redaction.ts). Every quantifier is bounded and every scan moves forward, so long hostile
 * input stays linear (redaction.test.ts times a megabyte of each pattern's worst case).
 */

export const MASK = '[redacted]';

// ---- field names --------------------------------------------------------------------------

const norm = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Names that are a credential as they stand (after `norm`). */
const NAMES = new Set([
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'auth', 'authorization',
  'apikey', 'xapikey', 'session', 'jwt', 'credential', 'credentials',
]);
/** Endings that name a credential even before a tail that usually means metadata (`AccessKeyId`). */
const ENDINGS = ['sessionid', 'sessionkey', 'accesskeyid', 'accesskey', 'secretkey', 'privatekey', 'signingkey', 'encryptionkey'];
/** Words that name a credential wherever they stand in a name, unless what follows them is metadata. */
const WORDS = ['secret', 'token', 'password', 'passwd', 'passphrase', 'credential', 'privatekey', 'accesskey', 'apikey', 'jwt', 'authorization'];
/**
 * What follows a credential word when the field holds something about the credential, not the
 * credential: `token_type`, `tokenExpiresAt`, `secretName`, `secret_arn`, `private_key_id`,
 * `credentialId`, `passwordChangedAt`, `prompt_tokens` (a count); `secretary` and `tokenizer`
 * are not credentials at all.
 */
const METADATA_TAILS = new Set([
  'type', 'types', 'kind', 'name', 'names', 'count', 'length', 'len', 'size', 'version', 'versions', 'expires', 'expiresin',
  'expiry', 'expiration', 'ttl', 'lifetime', 'arn', 'ref', 'status', 'state', 'enabled', 'required', 'set', 'present',
  'exists', 'url', 'uri', 'endpoint', 'path', 'location', 'format', 'alg', 'algorithm', 'scope', 'scopes', 'provider',
  'source', 'label', 'hint', 'policy', 'rotation', 'usage', 'limit', 'mode', 'method', 'field', 'param', 'error',
  'errors', 'description', 'ary', 'aries', 'izer', 'ized',
]);
const METADATA_ENDINGS = ['id', 'ids', 'at', 'count', 'name', 'type', 'version', 'url', 'expiry', 'supported', 'enabled', 'required'];
/** …or begins a longer description of one (an OpenID discovery document: `token_endpoint_auth_methods_supported`). */
const METADATA_STARTS = ['endpoint', 'type', 'url', 'uri', 'expir', 'name', 'count', 'version', 'status', 'ttl', 'signingalg', 'encryptionalg', 'encryptionenc'];
/** HTTP headers that carry credentials or challenges (an http.request output keeps its response headers). */
const CREDENTIAL_HEADERS = new Set(['wwwauthenticate', 'proxyauthenticate', 'proxyauthorization', 'authenticationinfo', 'proxyauthenticationinfo']);

function isMetadataTail(tail: string, word: string): boolean {
  // A plural is the credentials themselves (`secrets`), except counted tokens (`prompt_tokens`).
  if (tail === 's') return word === 'token';
  // `secretEmail`, `passwordResetPhone` hold what they end with: masked as that (redaction.ts).
  if (tail.includes('email') || tail.includes('phone')) return true;
  return METADATA_TAILS.has(tail) || METADATA_ENDINGS.some((ending) => tail.endsWith(ending)) || METADATA_STARTS.some((start) => tail.startsWith(start));
}

/** Whether a field (or query parameter) of this name holds a credential. */
export function isCredentialName(key: string): boolean {
  const k = norm(key);
  if (NAMES.has(k) || CREDENTIAL_HEADERS.has(k) || k.includes('cookie')) return true;
  if (ENDINGS.some((ending) => k.endsWith(ending))) return true;
  // `user_session`, `x-session`, `userSession`; not `sessionCount` nor `session_state`.
  if (k.endsWith('session') && (/(?:^|[^A-Za-z0-9])session$/i.test(key) || /[a-z0-9]Session$/.test(key))) return true;
  return WORDS.some((word) => {
    const at = k.lastIndexOf(word);
    return at >= 0 && !isMetadataTail(k.slice(at + word.length), word);
  });
}

// ---- free text ------------------------------------------------------------------------------

/** `Bearer <token>`, `Basic <base64>`: the scheme stays, the token goes (when it looks like one). */
const AUTH_SCHEME = /(?<![A-Za-z0-9_-])(Bearer|Basic)([ \t]{1,4})([A-Za-z0-9._~+/-]{6,8192}={0,2})/gi;
/** A JWS: base64url JSON header and payload (`{"` → `eyJ`), and a signature (empty for alg none). */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,8192}\.eyJ[A-Za-z0-9_-]{2,65536}\.[A-Za-z0-9_-]{0,8192}/g;
/** AWS access key ids: long-term (AKIA) and temporary (ASIA). */
const AWS_KEY_ID = /(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
/** A password in a URL: `scheme://user:password@host`. */
const URL_PASSWORD = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{1,31}:\/\/[^\s/?#@:]{0,256}:)([^\s/?#@]{1,256})@/g;
/** `"name": "value"` — JSON in text (a body whose content type did not say JSON, an echoed request). */
const QUOTED_PAIR = /"([A-Za-z][A-Za-z0-9_.-]{0,63})"([ \t]{0,3}:[ \t]{0,3})"((?:[^"\\\n]|\\.){0,8192})"/g;
/** `name=` in a query string, a form body, a cookie or prose; its value is read by PAIR_VALUE. */
const PAIR_NAME = /(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]{0,63})=/g;
/** A quoted value up to its quote, or a bare one up to a delimiter (`&`, `;`, `,`, space, quotes, brackets). */
const PAIR_VALUE = /(["'])([^"'\n]{1,4096})\1|(["']?)([^\s&"'<>;,(){}|#\\]{1,8192})/y;
/** Parameters that make a query an OAuth one, where `code` is an authorization code. */
const OAUTH_QUERY = /(?<![A-Za-z0-9_.-])(?:state|redirect_uri|grant_type|code_verifier|session_state|client_id|access_token|id_token|refresh_token)=/;

/**
 * Random-looking: long enough, with a digit or both cases (not `partner-status`, not
 * `authentication`) — or, after an authorization scheme, a token's punctuation.
 */
function looksOpaque(value: string, minLength: number, punctuation = false): boolean {
  if (value.length < minLength) return false;
  return /\d/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value.slice(1))) || (punctuation && /[._~+/=-]/.test(value));
}

/** Whether the value of `name=` in this text is masked: always, only when it looks random, or not. */
function pairRule(name: string, oauth: boolean): 'always' | 'opaque' | undefined {
  if (isCredentialName(name)) return 'always';
  const k = norm(name);
  if (k === 'sig' || k.endsWith('signature') || (k === 'code' && oauth)) return 'always';
  if (k === 'key') return 'opaque'; // `?key=AIza…` is an API key; `key=partner-status` a webhook's name
  return undefined;
}

function maskPairs(text: string): string {
  if (!text.includes('=')) return text;
  const oauth = OAUTH_QUERY.test(text);
  let out = '';
  let last = 0;
  PAIR_NAME.lastIndex = 0;
  for (let m = PAIR_NAME.exec(text); m; m = PAIR_NAME.exec(text)) {
    const rule = pairRule(m[1]!, oauth);
    if (!rule) continue;
    PAIR_VALUE.lastIndex = PAIR_NAME.lastIndex;
    const v = PAIR_VALUE.exec(text);
    if (!v) continue;
    const value = v[2] ?? v[4]!;
    if (rule === 'opaque' && !looksOpaque(value, 8)) continue;
    const start = PAIR_NAME.lastIndex + (v[1] ?? v[3]!).length;
    out += text.slice(last, start) + MASK;
    last = start + value.length;
    PAIR_NAME.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '-----END ';
/** Public material (certificates, public keys, signatures) is left; every other PEM block is a key. */
const PUBLIC_PEM = /CERTIFICATE|PUBLIC|CRL|SIGNATURE/;

/**
 * PEM blocks, whole: `-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----`.
 * A block cut short (a body read up to its bound) is masked to the end. By indexOf, forward only.
 */
function maskPem(text: string): string {
  let at = text.indexOf(PEM_BEGIN);
  if (at < 0) return text;
  let out = '';
  let last = 0;
  while (at >= 0) {
    const labelEnd = text.indexOf('-----', at + PEM_BEGIN.length);
    if (labelEnd < 0) break;
    const label = text.slice(at + PEM_BEGIN.length, labelEnd);
    const bodyStart = labelEnd + 5;
    if (label.length > 64) {
      at = text.indexOf(PEM_BEGIN, labelEnd);
      continue;
    }
    const end = text.indexOf(PEM_END, bodyStart);
    const keep = PUBLIC_PEM.test(label);
    if (end < 0) {
      if (!keep) {
        out += text.slice(last, bodyStart) + MASK;
        last = text.length;
      }
      break;
    }
    if (!keep) {
      out += text.slice(last, bodyStart) + MASK;
      last = end;
    }
    at = text.indexOf(PEM_BEGIN, end + PEM_END.length);
  }
  return out + text.slice(last);
}

/** Masks the credentials found in free text, keeping what says what they were. Idempotent. */
export function redactCredentials(text: string): string {
  let masked = maskPem(text);
  if (masked.includes('://')) masked = masked.replace(URL_PASSWORD, (_, head: string) => `${head}${MASK}@`);
  if (masked.includes('"')) {
    masked = masked.replace(QUOTED_PAIR, (whole, name: string, sep: string) => (isCredentialName(name) ? `"${name}"${sep}"${MASK}"` : whole));
  }
  masked = maskPairs(masked);
  return masked
    .replace(AUTH_SCHEME, (whole, scheme: string, space: string, token: string) => (looksOpaque(token, 6, true) ? `${scheme}${space}${MASK}` : whole))
    .replace(JWT, MASK)
    .replace(AWS_KEY_ID, (_, prefix: string) => `${prefix}${MASK}`);
}
