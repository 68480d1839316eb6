import type { RJSFSchema } from '@rjsf/utils';
import { describe, expect, it } from 'vitest';
import { checkInput, compileJsonSchema, jsonPath } from './json-schema-check';
import { ZodValidator } from './zod-validator';

// examples/workflows/partner-status.json and application-status-update.json, flattened into one.
const schema: RJSFSchema = {
  type: 'object',
  required: ['applicationId', 'status'],
  properties: {
    applicationId: { type: 'string', minLength: 1 },
    status: { enum: ['received', 'in_review', 'approved', 'rejected'] },
    count: { type: 'integer', minimum: 1 },
    notify: { type: 'boolean' },
    email: { type: 'string', format: 'email' },
    due: { type: 'string', format: 'date' },
    applicants: {
      type: 'array',
      maxItems: 2,
      items: { type: 'object', required: ['phone'], properties: { phone: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' } } },
    },
  },
};

const validator = new ZodValidator();

describe('the rjsf validator on zod (no code compiled at runtime)', () => {
  it('passes valid data, extra properties included (JSON Schema allows them unless told otherwise)', () => {
    const data = { applicationId: 'A-1', status: 'approved', count: 2, notify: true, email: 'dana@visa.example', due: '2026-12-01', applicants: [{ phone: '+972501234567' }], extra: 1 };
    expect(validator.validateFormData(data, schema)).toEqual({ errors: [], errorSchema: {} });
    expect(validator.isValid(schema, data, schema)).toBe(true);
    expect(checkInput(schema, data)).toEqual([]);
  });

  it('names each problem by its field, as rjsf shows them under the field and in the list', () => {
    const data = { status: 'lost', count: 1.5, email: 'nope', due: '2026-13-01', applicants: [{ phone: '0501234567' }, {}] };
    const { errors, errorSchema } = validator.validateFormData(data, schema);
    const byProperty = Object.fromEntries(errors.map((e) => [e.property, e.message]));
    expect(byProperty['.applicationId']).toBe('is required');
    expect(byProperty['.status']).toMatch(/expected one of "received"\|"in_review"\|"approved"\|"rejected"/);
    expect(byProperty['.count']).toMatch(/expected int/);
    expect(byProperty['.email']).toMatch(/email/i);
    expect(byProperty['.due']).toMatch(/date/i);
    expect(byProperty['.applicants[0].phone']).toMatch(/must match pattern/);
    expect(byProperty['.applicants[1].phone']).toBe('is required');
    expect(errors.find((e) => e.property === '.applicationId')).toMatchObject({ name: 'required', stack: '$.applicationId is required' });
    expect(errorSchema).toMatchObject({
      applicationId: { __errors: ['is required'] },
      applicants: { 0: { phone: { __errors: [expect.stringMatching(/pattern/)] } }, 1: { phone: { __errors: ['is required'] } } },
    });
    expect(validator.isValid(schema, data, schema)).toBe(false);
    // A list over its limit is refused as a whole.
    const three = { applicationId: 'A-1', status: 'approved', applicants: [1, 2, 3].map(() => ({ phone: '+972501234567' })) };
    expect(validator.validateFormData(three, schema).errorSchema).toEqual({ applicants: { __errors: [expect.stringMatching(/<=2/)] } });
  });

  it('lists problems with the JSON paths the server uses, for pasted JSON', () => {
    const problems = (value: unknown) => checkInput(schema, value).map(({ path, message }) => ({ path, message }));
    expect(problems({ applicationId: '', status: 'approved', applicants: [{ phone: 5 }] })).toEqual([
      { path: '$.applicationId', message: expect.stringMatching(/>=1 characters/) },
      { path: '$.applicants[0].phone', message: 'expected string, received number' },
    ]);
    expect(problems([])).toEqual([{ path: '$', message: 'expected object, received array' }]);
    expect(jsonPath(['a', 0, 'b'])).toBe('$.a[0].b');
  });

  it('adds the errors of a customValidate and applies transformErrors', () => {
    const result = new ZodValidator<{ applicationId?: string; status?: string; count?: number }>().validateFormData(
      { applicationId: 'A-1', status: 'approved', count: 0 },
      schema,
      (data, errors) => {
        if (data?.applicationId === 'A-1') errors.applicationId?.addError('is already in review');
        return errors;
      },
      (errors) => errors.map((e) => ({ ...e, message: `! ${e.message}` })),
    );
    expect(result.errorSchema).toMatchObject({ applicationId: { __errors: ['is already in review'] }, count: { __errors: [expect.stringMatching(/^! .*>=1/)] } });
    expect(result.errors.map((e) => e.property)).toEqual(expect.arrayContaining(['.count', '.applicationId']));
  });

  it('resolves $ref to definitions (draft 7, as AJV reads them) and $defs, also for a branch checked against its root', () => {
    const draft7: RJSFSchema = { type: 'object', properties: { who: { $ref: '#/definitions/person' } }, definitions: { person: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } };
    expect(checkInput(draft7, { who: {} })).toEqual([expect.objectContaining({ path: '$.who.name', message: 'is required', required: true })]);
    const modern: RJSFSchema = { type: 'object', properties: { who: { $ref: '#/$defs/person' } }, $defs: { person: { type: 'string' } } };
    expect(checkInput(modern, { who: 1 })).toHaveLength(1);
    expect(validator.isValid({ $ref: '#/definitions/person' }, { name: 'Dana' }, draft7)).toBe(true);
    expect(validator.isValid({ $ref: '#/definitions/person' }, { name: 3 }, draft7)).toBe(false);
  });

  it('leaves a schema zod cannot express to the server: rawValidation says why, the form is not blocked', () => {
    const conditional: RJSFSchema = { type: 'object', if: { properties: { a: { const: 1 } } }, then: { required: ['b'] } };
    expect(compileJsonSchema(conditional)).toMatchObject({ ok: false, error: expect.objectContaining({ message: expect.stringMatching(/if\/then\/else/) }) });
    expect(validator.rawValidation(conditional, { a: 1 })).toEqual({ validationError: expect.any(Error) });
    expect(validator.validateFormData({ a: 1 }, conditional)).toEqual({ errors: [], errorSchema: {} });
    expect(checkInput(conditional, { a: 1 })).toEqual([]);
    expect(validator.isValid(conditional, { a: 1 }, conditional)).toBe(false);
  });

  it('compiles each schema once', () => {
    expect(compileJsonSchema(schema)).toBe(compileJsonSchema(schema));
  });
});
