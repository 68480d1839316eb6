/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 with
 * RFC 5987's extended value): browsers save under the exact name, old clients under the
 * fallback. Control characters, quotes, backslashes and path separators never reach a header.
 */
export function attachmentDisposition(filename: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const name = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'download';
  const fallback = name.replace(/[^\x20-\x7e]|["%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return fallback === name ? `attachment; filename="${name}"` : `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
