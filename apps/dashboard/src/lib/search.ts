import type { z } from 'zod';

/**
 * A route's `validateSearch` from a contracts query schema: each URL parameter the schema
 * accepts is kept (parsed), any other or invalid one is dropped, so a hand-edited URL never
 * breaks the page. Paging fields stay out of the URL.
 */
export function searchFrom<S extends z.ZodObject>(schema: S) {
  const shape = schema.shape as Record<string, z.ZodType>;
  return (search: Record<string, unknown>): Partial<Omit<z.output<S>, 'limit' | 'cursor'>> => {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      if (key === 'limit' || key === 'cursor' || search[key] === undefined || search[key] === '') continue;
      const raw = typeof search[key] === 'number' ? String(search[key]) : search[key];
      const parsed = field.safeParse(raw);
      if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
    }
    // The router spreads this over the raw search: what is dropped must be overridden, or it leaks into useSearch().
    for (const key of Object.keys(search)) if (!(key in out)) out[key] = undefined;
    return out as Partial<Omit<z.output<S>, 'limit' | 'cursor'>>;
  };
}
