import path from 'node:path';

/**
 * A request's path without its query string: what logs and problem documents record. Queries
 * carry secrets and PII (`/auth/callback?token=…`, `/api/v1/logs?q=…`).
 */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The path in one canonical spelling, for checks by prefix: percent-decoded (undecodable
 * sequences kept as they are), `//` and dot segments resolved, lower-case. The router decodes
 * `%64` to `d`, so a check on the raw URL can be walked around.
 */
export function canonicalPath(url: string): string {
  const raw = pathOf(url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw.replace(/%[0-9a-f]{2}/gi, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape;
      }
    });
  }
  return path.posix.normalize(`/${decoded}`).toLowerCase();
}
