/**
 * A URL as an error message shows it. Step errors reach run views, logs and the dead-run Slack
 * alert, and URLs carry secrets: a bot token in the path (`/bot123456:AAH…/sendMessage`), a
 * webhook's secret segment (`/hooks/<secret>`), tokens in the query. So: the origin (never the
 * user or password), the path with every long opaque segment masked, never the query or fragment.
 */

const MASK = '[redacted]';
const MAX_SHOWN = 300;

/** A segment that looks like a secret: ≥ 16 characters mixing letters and digits, or `:`-joined tokens with digits. */
function looksSecret(segment: string): boolean {
  const letters = /[A-Za-z]/.test(segment);
  const digits = /\d/.test(segment);
  if (segment.length >= 16 && letters && digits) return true;
  return segment.length >= 8 && digits && /[A-Za-z0-9]:[A-Za-z0-9]/.test(segment);
}

function maskPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (looksSecret(segment) ? MASK : segment))
    .join('/');
}

const cut = (text: string) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text);

export function shownUrl(url: URL): string {
  return cut(`${url.origin}${maskPath(url.pathname)}`);
}

/** A string that did not parse as a URL, shown the same way. */
export function shownUrlText(text: string): string {
  const end = text.search(/[?#]/);
  const withoutQuery = end < 0 ? text : text.slice(0, end);
  return cut(maskPath(withoutQuery.replace(/^([^/]*\/\/)?[^/@]*@/, '$1')));
}
