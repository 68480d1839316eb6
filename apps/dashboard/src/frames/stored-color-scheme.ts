/** Where Mantine keeps the scheme the user picked (its default colour scheme manager's key). */
export const COLOR_SCHEME_KEY = 'mantine-color-scheme-value';

/**
 * Puts the scheme the user picked in the app on <html>, where Mantine will put it, so that the
 * shell (index.html: `light-dark()` colours) is painted in it rather than in the system's and
 * does not flash light before a dark app. 'auto', none or unreadable storage: the system's.
 */
export function applyStoredColorScheme(doc: Document, storage: () => Pick<Storage, 'getItem'>): void {
  try {
    const stored = storage().getItem(COLOR_SCHEME_KEY);
    if (stored === 'light' || stored === 'dark') doc.documentElement.setAttribute('data-mantine-color-scheme', stored);
  } catch {
    // Storage refused (a privacy setting): the system's scheme.
  }
}
