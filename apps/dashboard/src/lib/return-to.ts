/**
 * Where to go after signing in. The sign-in page remembers the page that sent the user there
 * (`?next=`); the mailed link usually opens in another tab, hence localStorage, read once.
 */
const KEY = 'visapi-return-to';

/** A path on this origin worth returning to, or undefined (never `//host`, never sign-in itself). */
export function safeReturnPath(next: string | null | undefined): string | undefined {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return undefined;
  if (/^\/(sign-in|auth\/callback)(\/|\?|$)/.test(next)) return undefined;
  return next;
}

export function rememberReturnTo(next: string | undefined): void {
  const path = safeReturnPath(next);
  if (path) localStorage.setItem(KEY, path);
  else localStorage.removeItem(KEY);
}

export function takeReturnTo(): string | undefined {
  const path = safeReturnPath(localStorage.getItem(KEY));
  localStorage.removeItem(KEY);
  return path;
}

/** Pages the gateway serves itself (Bull-Board, the API reference) need a full page load. */
export const isServerPage = (path: string) => /^\/(api|admin)\//.test(path);
