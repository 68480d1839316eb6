/**
 * A request's path without its query string: what logs and problem documents record. Queries
 * carry secrets and PII (`/auth/callback?token=…`, `/api/v1/logs?q=…`).
 */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
