import { describe, expect, it } from 'vitest';
import { canonicalPath, pathOf } from './request-path';

describe('pathOf', () => {
  it('drops the query and fragment', () => {
    expect(pathOf('/auth/callback?token=abc')).toBe('/auth/callback');
    expect(pathOf('/a#b?c')).toBe('/a');
    expect(pathOf('/plain')).toBe('/plain');
  });
});

describe('canonicalPath', () => {
  it.each([
    ['/api/%64ocs/openapi.json', '/api/docs/openapi.json'],
    ['/%61pi/docs', '/api/docs'],
    ['//api//docs/', '/api/docs/'],
    ['/api/./docs/../docs/x', '/api/docs/x'],
    ['/api/%2e/docs', '/api/docs'],
    ['/API/Docs?x=1', '/api/docs'],
    ['/api/docs%zz/%64', '/api/docs%zz/d'],
    ['api/docs', '/api/docs'],
  ])('issue 9 #10: %s → %s', (url, expected) => {
    expect(canonicalPath(url)).toBe(expected);
  });
});
