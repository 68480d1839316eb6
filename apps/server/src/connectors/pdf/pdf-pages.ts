/**
 * The page count of a PDF as Chromium (Skia) writes it: the /Count of the page tree's root.
 * Skia splits long documents into a tree of /Pages nodes, each counting the pages under it,
 * so the root's count is the largest. Skia writes these dictionaries uncompressed (no object
 * streams); undefined when none is found.
 */
export function pdfPageCount(pdf: Buffer): number | undefined {
  const text = pdf.toString('latin1');
  let count: number | undefined;
  for (const object of text.matchAll(/\d+\s+\d+\s+obj\b([\s\S]*?)endobj/g)) {
    const body = object[1]!;
    if (!/\/Type\s*\/Pages\b/.test(body)) continue;
    const found = /\/Count\s+(\d+)/.exec(body);
    if (found) count = Math.max(count ?? 0, Number(found[1]));
  }
  return count;
}
