import { describe, expect, it } from 'vitest';
import { isWholeDocument, pdfDocument } from './pdf-document.js';

const CSP = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">';

describe('pdfDocument: one rule for pdf.generate and the preview', () => {
  it('wraps a fragment in the locale’s language and direction', () => {
    expect(pdfDocument('<h1>שלום</h1>', 'he-IL')).toBe('<!doctype html><html lang="he-IL" dir="rtl"><head><meta charset="utf-8"></head><body><h1>שלום</h1></body></html>');
    expect(pdfDocument('<p>Hi</p>', 'en" onload="x')).toMatch(/^<!doctype html><html lang="enonloadx" dir="ltr">/);
    expect(pdfDocument('<p>Hi</p>', 'en', CSP)).toBe(`<!doctype html><html lang="en" dir="ltr"><head><meta charset="utf-8">${CSP}</head><body><p>Hi</p></body></html>`);
  });

  it('keeps a whole document as written: no direction added, even for Hebrew', () => {
    const page = '<!doctype html><html lang="he"><head><title>x</title></head><body>קבלה</body></html>';
    expect(pdfDocument(page, 'he')).toBe(page);
    expect(pdfDocument(`  <!-- receipt -->\n${page}`, 'he')).toBe(`  <!-- receipt -->\n${page}`);
    expect(isWholeDocument('<HTML>\n<body>x</body></HTML>')).toBe(true);
    // <html> later in the text is not a whole document: it is wrapped (the renderer then ignores the inner one).
    expect(isWholeDocument('<p>x</p><html>')).toBe(false);
  });

  it('puts the head markup right after the document’s own <head>, or in a <head> of its own', () => {
    expect(pdfDocument('<!doctype html><html lang="he"><head><style>h1{}</style></head><body></body></html>', 'he', CSP)).toBe(
      `<!doctype html><html lang="he"><head>${CSP}<style>h1{}</style></head><body></body></html>`,
    );
    expect(pdfDocument('<html><body>x</body></html>', 'en', CSP)).toBe(`<html><head>${CSP}</head><body>x</body></html>`);
    expect(pdfDocument('<!DOCTYPE html>\n<head lang="x"><title>t</title></head>', 'en', CSP)).toBe(`<!DOCTYPE html>\n<head lang="x">${CSP}<title>t</title></head>`);
    // A comment naming <html> or <head> before the real ones does not move the policy into the comment.
    const commented = '<!-- <html><head> sample --><!doctype html><html><head><title>t</title></head></html>';
    expect(pdfDocument(commented, 'en', CSP)).toBe(`<!-- <html><head> sample --><!doctype html><html><head>${CSP}<title>t</title></head></html>`);
  });
});
