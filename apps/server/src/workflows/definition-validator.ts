import { type ProblemFieldError, type WorkflowDefinitionInput, workflowDefinitionJsonSchema } from '@visapi/contracts';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CronExpressionParser } from 'cron-parser';
import { valid as validSemver } from 'semver';
import type { z } from 'zod';
import { CONNECTOR_CONFIG_SCHEMAS } from '../connectors/registry';
import { templateSyntaxError } from '../engine/templating';
import { contradictorySigning } from './signing-secrets';

type WorkflowStepInput = WorkflowDefinitionInput['steps'][number];

export type DefinitionCheck = { ok: true; definition: WorkflowDefinitionInput } | { ok: false; errors: ProblemFieldError[] };

/**
 * Checks a workflow definition: the JSON Schema first (compiled once), then what a schema
 * cannot say, including that each step's type has a connector and that its config's literal
 * fields match the connector's schema. Every problem is reported, each with its JSON path.
 * Defaults (enabled, priority, retries, timeout, config) are filled in on the returned copy,
 * which is a definition as written: webhook triggers may still say `signed` (signing-secrets.ts).
 */
export class DefinitionValidator {
  private readonly validateSchema: ValidateFunction;
  private readonly schemaCompiler: Ajv2020;

  /** `connectors`: the config schema of each step type that can run (connectors/registry.ts). */
  constructor(private readonly connectors: ReadonlyMap<string, z.ZodType> = CONNECTOR_CONFIG_SCHEMAS) {
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, discriminator: true, strict: false });
    addFormats(ajv);
    this.validateSchema = ajv.compile(workflowDefinitionJsonSchema);
    this.schemaCompiler = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.schemaCompiler);
  }

  check(input: unknown): DefinitionCheck {
    const candidate = structuredClone(input);
    if (!this.validateSchema(candidate)) return { ok: false, errors: toFieldErrors(this.validateSchema.errors ?? []) };
    const definition = candidate as WorkflowDefinitionInput;
    const errors = [
      ...this.checkVersion(definition),
      ...this.checkInputSchema(definition),
      ...this.checkTriggers(definition),
      ...contradictorySigning(definition),
      ...this.checkSteps(definition),
    ];
    return errors.length ? { ok: false, errors } : { ok: true, definition };
  }

  private checkVersion(d: WorkflowDefinitionInput): ProblemFieldError[] {
    return validSemver(d.version) ? [] : [{ path: '$.version', message: `"${d.version}" is not a semantic version (e.g. 1.2.0)` }];
  }

  private checkInputSchema(d: WorkflowDefinitionInput): ProblemFieldError[] {
    if (!d.inputSchema) return [];
    try {
      this.schemaCompiler.compile(d.inputSchema);
      return [];
    } catch (error) {
      return [{ path: '$.inputSchema', message: `is not a valid JSON Schema: ${(error as Error).message}` }];
    }
  }

  private checkTriggers(d: WorkflowDefinitionInput): ProblemFieldError[] {
    const errors: ProblemFieldError[] = [];
    const keys = new Map<string, number>();
    (d.triggers ?? []).forEach((trigger, i) => {
      if (trigger.type === 'webhook') {
        const first = keys.get(trigger.key);
        if (first !== undefined) errors.push({ path: `$.triggers[${i}].key`, message: `webhook key "${trigger.key}" is already used by $.triggers[${first}]` });
        else keys.set(trigger.key, i);
      }
      if (trigger.type === 'cron') {
        const timezone = trigger.timezone ?? 'UTC';
        if (!isTimeZone(timezone)) {
          errors.push({ path: `$.triggers[${i}].timezone`, message: `"${timezone}" is not an IANA time zone (e.g. Asia/Jerusalem)` });
          return;
        }
        try {
          CronExpressionParser.parse(trigger.schedule, { tz: timezone, strict: false });
          if (trigger.schedule.trim().split(/\s+/).length < 5) throw new Error('a cron expression has 5 or 6 fields');
        } catch (error) {
          errors.push({ path: `$.triggers[${i}].schedule`, message: `"${trigger.schedule}" is not a valid cron expression: ${(error as Error).message}` });
        }
      }
    });
    return errors;
  }

  private checkSteps(d: WorkflowDefinitionInput): ProblemFieldError[] {
    const errors: ProblemFieldError[] = [];
    const earlier = new Map<string, number>();
    d.steps.forEach((step, i) => {
      const first = earlier.get(step.id);
      if (first !== undefined) {
        errors.push({ path: `$.steps[${i}].id`, message: `duplicate step id "${step.id}" (also $.steps[${first}].id)` });
      }
      errors.push(...this.checkConnector(step, i));
      const templates: Array<[string, string]> = [];
      collectStrings(step.config ?? {}, `$.steps[${i}].config`, templates);
      if (step.if) templates.push([`$.steps[${i}].if`, step.if]);
      for (const [path, text] of templates) errors.push(...this.checkTemplate(path, text, earlier, step.id));
      if (step.forEach) {
        const [root, ref] = step.forEach.split('.');
        if (root === 'steps' && ref && !earlier.has(ref)) {
          errors.push({ path: `$.steps[${i}].forEach`, message: `refers to step "${ref}", which does not come earlier` });
        }
      }
      if (first === undefined) earlier.set(step.id, i);
    });
    return errors;
  }

  /**
   * The step type must have a connector, and each config field that holds no template must
   * match the connector's schema (a templated field is checked when a run renders it). Rules
   * on the whole config (refinements, which look at which fields are present) are checked too.
   */
  private checkConnector(step: WorkflowStepInput, i: number): ProblemFieldError[] {
    const schema = this.connectors.get(step.type);
    if (!schema) return [{ path: `$.steps[${i}].type`, message: `step type "${step.type}" has no connector yet: a step of this type cannot run` }];
    const config = step.config ?? {};
    const parsed = schema.safeParse(config);
    if (parsed.success) return [];
    return parsed.error.issues
      .filter((issue) => issue.path.length === 0 || !holdsTemplate(config[String(issue.path[0])]))
      .map((issue) => ({ path: issue.path.reduce<string>((path, part) => appendPath(path, part), `$.steps[${i}].config`), message: issue.message }));
  }

  private checkTemplate(path: string, text: string, earlier: Map<string, number>, self: string): ProblemFieldError[] {
    if (!text.includes('{{') && !text.includes('{%')) return [];
    const syntax = templateSyntaxError(text);
    if (syntax) return [{ path, message: syntax }];
    const errors: ProblemFieldError[] = [];
    for (const ref of stepReferences(text)) {
      if (!earlier.has(ref)) {
        errors.push({ path, message: ref === self ? `refers to its own step "${ref}": only earlier steps' outputs exist` : `refers to step "${ref}", which does not come earlier` });
      }
    }
    return errors;
  }
}

const TAG_OPENER = /\{[{%]/g;
const STEP_REFERENCE = /\bsteps\.([A-Za-z0-9_-]+)|\bsteps\[\s*['"]([^'"\]]{1,200})['"]\s*\]/g;

/**
 * Step ids named as `steps.<id>` or `steps["<id>"]` inside {{ }} and {% %} tags. A scan, not
 * one lazy regex: that rescans to the end from every opener that never closes (quadratic on
 * a hostile definition).
 */
export function stepReferences(template: string): Set<string> {
  const refs = new Set<string>();
  const unclosed = new Set<string>();
  let from = 0;
  for (;;) {
    TAG_OPENER.lastIndex = from;
    const opener = TAG_OPENER.exec(template);
    if (!opener) break;
    const closer = opener[0] === '{{' ? '}}' : '%}';
    const end = unclosed.has(closer) ? -1 : template.indexOf(closer, opener.index + 2);
    if (end === -1) {
      unclosed.add(closer); // none later either
      from = opener.index + 1;
      continue;
    }
    for (const m of template.slice(opener.index + 2, end).matchAll(STEP_REFERENCE)) refs.add((m[1] ?? m[2])!);
    from = end + 2;
  }
  return refs;
}

function collectStrings(value: unknown, path: string, out: Array<[string, string]>) {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => collectStrings(v, appendPath(path, i), out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectStrings(v, appendPath(path, k), out);
  }
}

/** `$.a` + 0 → `$.a[0]`; + `b` → `$.a.b`; + `x-y` → `$.a["x-y"]`. */
function appendPath(path: string, part: PropertyKey): string {
  if (typeof part === 'number') return `${path}[${part}]`;
  const key = String(part);
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A value with a `{{` or `{%` anywhere in it: rendered per run, so checked per run. */
function holdsTemplate(value: unknown): boolean {
  const found: Array<[string, string]> = [];
  collectStrings(value, '', found);
  return found.some(([, text]) => text.includes('{{') || text.includes('{%'));
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** AJV errors as problem field errors, once each. */
export function toFieldErrors(errors: ErrorObject[]): ProblemFieldError[] {
  return dedupe(errors.map(toFieldError));
}

/** AJV's `/steps/0/id` → `$.steps[0].id`, naming the missing or extra property where there is one. */
function toFieldError(error: ErrorObject): ProblemFieldError {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${acc}.${s}` : `${acc}[${JSON.stringify(s)}]`), '$');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    path += `.${(error.params as { missingProperty: string }).missingProperty}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
    message = 'is not allowed here';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path, message };
}

function dedupe(errors: ProblemFieldError[]): ProblemFieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
