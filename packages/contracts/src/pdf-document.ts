import { isRtlLocale } from './templates.js';

/** Whitespace and comments: what may come before a whole document's doctype or <html>. */
const SKIPPED = String.raw`(?:\s|<!--[\s\S]*?-->)*`;
const WHOLE = new RegExp(String.raw`^${SKIPPED}(?:<!doctype\s|<html[\s>])`, 'i');
/** A whole document's start: comments, the doctype, <html …>, up to where its <head> is or belongs. */
const PROLOGUE = new RegExp(String.raw`^${SKIPPED}(?:<!doctype[^>]*>)?${SKIPPED}(?:<html(?=[\s>])[^>]*>)?${SKIPPED}`, 'i');
const HEAD = /^<head(?=[\s>])[^>]*>/i;

/** Whether a pdf template's rendered text is a whole document (a doctype or <html> first) rather than a fragment. */
export function isWholeDocument(body: string): boolean {
  return WHOLE.test(body);
}

/**
 * The HTML a pdf template prints as — the same for pdf.generate and the dashboard's preview.
 * A fragment gets a document around it in the locale's language and direction; a whole
 * document is kept as written (its own lang and dir). `head` (the preview's CSP) goes first in
 * the <head>: right after a document's own `<head …>`, or in a <head> of its own when it has none.
 */
export function pdfDocument(body: string, locale: string, head = ''): string {
  if (!isWholeDocument(body)) {
    const lang = locale.replace(/[^A-Za-z0-9-]/g, '');
    return `<!doctype html><html lang="${lang}" dir="${isRtlLocale(locale) ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
  }
  if (!head) return body;
  let at = PROLOGUE.exec(body)![0].length;
  const opened = HEAD.exec(body.slice(at));
  if (!opened) return `${body.slice(0, at)}<head>${head}</head>${body.slice(at)}`;
  at += opened[0].length;
  return `${body.slice(0, at)}${head}${body.slice(at)}`;
}
