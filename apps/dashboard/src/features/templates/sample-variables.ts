/** The preview's sample variables, typed by the admin as a JSON object. */
export type SampleParse = { ok: true; variables: Record<string, unknown> } | { ok: false; message: string };

export function parseSample(text: string): SampleParse {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'must be a JSON object, such as {"name": "Dana"}' };
  return { ok: true, variables: value as Record<string, unknown> };
}

/**
 * The sample with a placeholder for each variable the template uses and the sample lacks
 * (the preview's `missingVariables`, top-level names); `undefined` when nothing is missing.
 */
export function withMissing(variables: Record<string, unknown>, missing: readonly string[]): Record<string, unknown> | undefined {
  const add = missing.filter((name) => !Object.hasOwn(variables, name));
  if (add.length === 0) return undefined;
  return { ...variables, ...Object.fromEntries(add.map((name) => [name, `[${name}]`])) };
}

export const sampleText = (variables: Record<string, unknown>) => JSON.stringify(variables, null, 2);
