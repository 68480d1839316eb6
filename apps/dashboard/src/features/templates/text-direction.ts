/**
 * Languages written right to left: Hebrew, Arabic, Persian, Urdu, Yiddish. The server's rule
 * for a preview's `direction`; the editor needs it before the first preview answers. (Replace
 * with contracts' `isRtlLocale` once contracts export it.)
 */
const RTL_LANGUAGES = new Set(['he', 'ar', 'fa', 'ur', 'yi']);

/** Whether text in this locale (`he`, `he-IL`, `ar-EG`…) is written right to left. */
export function isRtlLocale(locale: string): boolean {
  return RTL_LANGUAGES.has(locale.split(/[-_]/)[0]!.toLowerCase());
}

export const textDirection = (locale: string): 'rtl' | 'ltr' => (isRtlLocale(locale) ? 'rtl' : 'ltr');
