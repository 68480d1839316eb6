import { describe, expect, it } from 'vitest';
import { isServerPage, rememberReturnTo, safeReturnPath, takeReturnTo } from './return-to';

describe('return after sign-in', () => {
  it('keeps same-origin paths only, never the sign-in pages', () => {
    expect(safeReturnPath('/runs?status=dead')).toBe('/runs?status=dead');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'runs', '/sign-in?next=/x', '/auth/callback?token=t', '', undefined, null]) {
      expect(safeReturnPath(bad)).toBeUndefined();
    }
  });
  it('is read once', () => {
    rememberReturnTo('/dlq');
    expect(takeReturnTo()).toBe('/dlq');
    expect(takeReturnTo()).toBeUndefined();
    rememberReturnTo('//evil.example');
    expect(takeReturnTo()).toBeUndefined();
  });
  it('knows the pages the gateway serves itself', () => {
    expect(isServerPage('/admin/queues/')).toBe(true);
    expect(isServerPage('/api/docs/')).toBe(true);
    expect(isServerPage('/admin-things')).toBe(false);
    expect(isServerPage('/runs')).toBe(false);
  });
});
