/**
 * Whether a request's Accept header admits text/html (RFC 9110 §12.5.1): no header, or the
 * most specific range that matches it (text/html, else text/*, else *\/*) has a q above 0.
 * Browsers send text/html; curl, mail scanners and link checkers send *\/* or nothing.
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const quality = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.replace(/\s+/g, '').startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(q.indexOf('=') + 1).trim());
    if (!quality.has(type)) quality.set(type, Number.isFinite(value) ? value : 0);
  }
  const q = quality.get('text/html') ?? quality.get('text/*') ?? quality.get('*/*');
  return q !== undefined && q > 0;
}
