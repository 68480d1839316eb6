import { describe, expect, it } from 'vitest';
import { acceptsHtml } from './accepts-html';

describe('acceptsHtml', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['*/*', true],
    ['text/*', true],
    ['TEXT/HTML', true],
    ['application/json, */*;q=0.1', true],
    ['application/json', false],
    ['application/problem+json, application/json', false],
    ['image/avif,image/webp', false],
    ['text/html;q=0, */*', false],
    ['text/html; q=0.0', false],
    ['*/*;q=0', false],
    ['text/*;q=0, */*', false],
    ['text/plain;q=0.5, text/*;q=0.2', true],
    ['text/html;level=1;q=0.7', true],
    ['*/*;q=nonsense', false],
  ])('%j → %s', (accept, expected) => {
    expect(acceptsHtml(accept)).toBe(expected);
  });
});
