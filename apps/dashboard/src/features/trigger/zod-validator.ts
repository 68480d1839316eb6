import {
  createErrorHandler,
  type CustomValidator,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  toErrorSchema,
  type UiSchema,
  unwrapErrorHandler,
  type ValidationData,
  validationDataMerge,
  type ValidatorType,
} from '@rjsf/utils';
import { z } from 'zod';

// The dashboard's CSP forbids eval and new Function: zod must not compile parsers, and AJV
// (rjsf's usual validator) cannot be used at all — it compiles every schema to a function.
z.config({ jitless: true });

type Compiled = { ok: true; schema: z.ZodType } | { ok: false; error: Error };
const compiled = new WeakMap<object, Compiled>();

/**
 * A JSON Schema as a zod schema, once per schema object. `rootSchema` lends its definitions to
 * a sub-schema's `$ref`s (rjsf asks about one branch of a oneOf at a time).
 */
export function compileJsonSchema(schema: RJSFSchema, rootSchema?: RJSFSchema): Compiled {
  const key = rootSchema && rootSchema !== schema ? undefined : schema;
  const cached = key && compiled.get(key);
  if (cached) return cached;
  const source = rootSchema && rootSchema !== schema ? { ...schema, definitions: rootSchema.definitions, $defs: rootSchema.$defs } : schema;
  let result: Compiled;
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

/** One problem of a value against a JSON Schema, in words, with the path the server would use. */
export interface InputProblem {
  path: string;
  message: string;
}

const REQUIRED = /received undefined$/;

function toValidationError(issue: z.core.$ZodIssue): RJSFValidationError {
  const missing = issue.code === 'invalid_type' && REQUIRED.test(issue.message);
  const message = missing ? 'is required' : issue.message.replace(/^Invalid input: /, '');
  const property = issue.path.length === 0 ? '.' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return { name: missing ? 'required' : issue.code, property, message, stack: `${jsonPath(issue.path)} ${message}`, params: { path: issue.path } };
}

/** Every problem of `value` against `schema`; none when the schema is beyond the browser (the server checks it anyway). */
export function checkInput(schema: RJSFSchema, value: unknown): InputProblem[] {
  const result = compileJsonSchema(schema);
  if (!result.ok) return [];
  const parsed = result.schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: toValidationError(issue).message! }));
}

/**
 * rjsf's validator (the `ValidatorType` of @rjsf/utils 6) on zod's JSON Schema support, so a
 * generated form checks its input before it is sent without compiling code at runtime. A
 * schema zod cannot express (`if`/`then`, `not`, …) is not checked here: the server's 422
 * says what is wrong instead.
 */
export class ZodValidator<T = unknown> implements ValidatorType<T, RJSFSchema> {
  rawValidation<Result = RJSFValidationError>(schema: RJSFSchema, formData?: T): { errors?: Result[]; validationError?: Error } {
    const result = compileJsonSchema(schema);
    if (!result.ok) return { validationError: result.error };
    const parsed = result.schema.safeParse(formData);
    return { errors: (parsed.success ? [] : parsed.error.issues.map(toValidationError)) as Result[] };
  }

  validateFormData(
    formData: T | undefined,
    schema: RJSFSchema,
    customValidate?: CustomValidator<T, RJSFSchema>,
    transformErrors?: ErrorTransformer<T, RJSFSchema>,
    uiSchema?: UiSchema<T, RJSFSchema>,
  ): ValidationData<T> {
    let errors = (this.rawValidation<RJSFValidationError>(schema, formData).errors ?? []) as RJSFValidationError[];
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const validation: ValidationData<T> = { errors, errorSchema: toErrorSchema<T>(errors) };
    if (!customValidate) return validation;
    const handler = customValidate(formData, createErrorHandler<T>(formData as T), uiSchema);
    return validationDataMerge<T>(validation, unwrapErrorHandler<T>(handler));
  }

  isValid(schema: RJSFSchema, formData: T | undefined, rootSchema: RJSFSchema): boolean {
    const result = compileJsonSchema(schema, rootSchema);
    return result.ok && result.schema.safeParse(formData).success;
  }
}

export const zodValidator = new ZodValidator();
