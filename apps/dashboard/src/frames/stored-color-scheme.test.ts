import { describe, expect, it } from 'vitest';
import { applyStoredColorScheme, COLOR_SCHEME_KEY } from './stored-color-scheme';

const storageWith = (value: string | null) => () => ({ getItem: (key: string) => (key === COLOR_SCHEME_KEY ? value : null) });
const schemeAfter = (storage: () => Pick<Storage, 'getItem'>) => {
  const doc = document.implementation.createHTMLDocument('shell');
  applyStoredColorScheme(doc, storage);
  return doc.documentElement.getAttribute('data-mantine-color-scheme');
};

describe('the scheme the user picked, before the app loads', () => {
  it('is put on <html> where Mantine puts it, so the shell is painted in it', () => {
    expect(schemeAfter(storageWith('dark'))).toBe('dark');
    expect(schemeAfter(storageWith('light'))).toBe('light');
  });

  it('leaves the system’s scheme for auto, nothing stored, anything else, or storage that refuses', () => {
    expect(schemeAfter(storageWith('auto'))).toBeNull();
    expect(schemeAfter(storageWith(null))).toBeNull();
    expect(schemeAfter(storageWith('dark" onload="x'))).toBeNull();
    expect(
      schemeAfter(() => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      }),
    ).toBeNull();
  });
});
