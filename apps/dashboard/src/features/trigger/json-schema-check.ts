import type { RJSFSchema } from '@rjsf/utils';
import { z } from 'zod';

// The dashboard's CSP forbids eval and new Function: zod must not compile parsers, and AJV
// (rjsf's usual validator) cannot be used at all — it compiles every schema to a function.
z.config({ jitless: true });

export type CompiledSchema = { ok: true; schema: z.ZodType } | { ok: false; error: Error };
const compiled = new WeakMap<object, CompiledSchema>();

/**
 * A JSON Schema as a zod schema, once per schema object. `rootSchema` lends its definitions to
 * a sub-schema's `$ref`s (rjsf asks about one branch of a oneOf at a time).
 */
export function compileJsonSchema(schema: RJSFSchema, rootSchema?: RJSFSchema): CompiledSchema {
  const key = rootSchema && rootSchema !== schema ? undefined : schema;
  const cached = key && compiled.get(key);
  if (cached) return cached;
  const source = rootSchema && rootSchema !== schema ? { ...schema, definitions: rootSchema.definitions, $defs: rootSchema.$defs } : schema;
  let result: CompiledSchema;
  try {
    // `#/definitions/…` (draft 7, AJV's default) or `#/$defs/…` (2020-12, zod's default).
    const defaultTarget = source.definitions && !source.$defs ? 'draft-7' : undefined;
    result = { ok: true, schema: z.fromJSONSchema(source as Parameters<typeof z.fromJSONSchema>[0], { defaultTarget }) };
  } catch (error) {
    result = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
  if (key) compiled.set(key, result);
  return result;
}

/** `$.applicants[0].name`, as the server's 422 names fields. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${String(part)}`), '$');
}

/** One problem of a value against a JSON Schema: where, with the path the server would use, and what, in words. */
export interface InputProblem {
  path: string;
  message: string;
  /** A property missing that the schema requires. */
  required: boolean;
  issue: z.core.$ZodIssue;
}

const REQUIRED = /received undefined$/;

export function describeIssue(issue: z.core.$ZodIssue): InputProblem {
  const required = issue.code === 'invalid_type' && REQUIRED.test(issue.message);
  return { path: jsonPath(issue.path), message: required ? 'is required' : issue.message.replace(/^Invalid input: /, ''), required, issue };
}

/** Every problem of `value` against `schema`; none when the schema is beyond the browser (the server checks it anyway). */
export function checkInput(schema: RJSFSchema, value: unknown): InputProblem[] {
  const result = compileJsonSchema(schema);
  if (!result.ok) return [];
  const parsed = result.schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map(describeIssue);
}
