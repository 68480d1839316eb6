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
import { compileJsonSchema, describeIssue } from './json-schema-check';

function toValidationError(issue: Parameters<typeof describeIssue>[0]): RJSFValidationError {
  const { path, message, required } = describeIssue(issue);
  const property = issue.path.length === 0 ? '.' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return { name: required ? 'required' : issue.code, property, message, stack: `${path} ${message}`, params: { path: issue.path } };
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
