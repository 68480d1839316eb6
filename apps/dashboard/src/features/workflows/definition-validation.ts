import { SEMVER_PATTERN, STEP_ID_PATTERN, WEBHOOK_KEY_PATTERN, workflowDefinitionJsonSchema } from '@visapi/contracts/workflow-definition';
import { z } from 'zod';

// The dashboard's CSP forbids eval: zod must not try to compile parsers.
z.config({ jitless: true });

/** The definition schema the server compiles with AJV, as a zod schema for the browser. */
const definitionSchema = z.fromJSONSchema(workflowDefinitionJsonSchema as unknown as Parameters<typeof z.fromJSONSchema>[0]);

export interface DefinitionProblem {
  /** `$.steps[0].id`, as the server's errors name them. */
  path: string;
  message: string;
}

export type DefinitionCheck = { ok: true; definition: unknown } | { ok: false; problems: DefinitionProblem[] };

/** How the editor shows the definition; the API always gets JSON. */
export type DefinitionFormat = 'json' | 'yaml';

export type ParsedText = { ok: true; value: unknown } | { ok: false; problem: DefinitionProblem };

/** A text format of the definition: its parser (syntax errors with their line) and its printer. */
export interface TextFormat {
  parse(text: string): ParsedText;
  print(value: unknown): string;
}

/** JSON, pretty-printed. YAML is yaml-format.ts, loaded when the admin first picks it. */
export const jsonText: TextFormat = { parse: parseJson, print: (value) => JSON.stringify(value, null, 2) };

const FRIENDLY_PATTERNS = new Map([
  [SEMVER_PATTERN, 'must be a semantic version such as 1.2.0'],
  [STEP_ID_PATTERN, 'must be 1-50 letters, digits, _ or -'],
  [WEBHOOK_KEY_PATTERN, 'must be lower-case letters, digits, _ or -, starting with a letter or digit'],
]);

/**
 * What the editor shows as you type: the syntax error with its line, or else every schema
 * problem with its JSON path, then duplicate step ids.
 */
export function checkDefinitionText(text: string, format: TextFormat): DefinitionCheck {
  const parsed = format.parse(text);
  return parsed.ok ? checkDefinition(parsed.value) : { ok: false, problems: [parsed.problem] };
}

/**
 * A parsed definition against the schema: every problem with its JSON path, then duplicate
 * step ids. Cron syntax, time zones and step references are the server's to check on save.
 */
export function checkDefinition(value: unknown): DefinitionCheck {
  const parsed = definitionSchema.safeParse(value);
  const problems = parsed.success ? [] : parsed.error.issues.flatMap((issue) => describe(issue, []));
  const ids = new Map<string, number>();
  const steps = (value as { steps?: unknown })?.steps;
  if (Array.isArray(steps)) {
    steps.forEach((step, i) => {
      const id = (step as { id?: unknown })?.id;
      if (typeof id !== 'string') return;
      if (ids.has(id)) problems.push({ path: `$.steps[${i}].id`, message: `duplicate step id "${id}" (also step ${ids.get(id)})` });
      else ids.set(id, i);
    });
  }
  return problems.length === 0 ? { ok: true, definition: value } : { ok: false, problems };
}

function describe(issue: z.core.$ZodIssue, prefix: PropertyKey[]): DefinitionProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch that came closest (fewest problems) says what is wrong.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    return closest.flatMap((inner) => describe(inner, path));
  }
  let message = issue.message;
  if (issue.code === 'invalid_format' && 'pattern' in issue && issue.pattern !== undefined) {
    const source = String(issue.pattern).replace(/^\/|\/[a-z]*$/g, '');
    message = FRIENDLY_PATTERNS.get(source) ?? `must match ${source}`;
  }
  return [{ path: jsonPath(path), message }];
}

export function jsonPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${String(part)}`), '$');
}

function parseJson(text: string): ParsedText {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: { path: '$', message: jsonError(text, error as Error) } };
  }
}

function jsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return `not valid JSON: ${error.message}`;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${error.message.replace(/ in JSON at position \d+.*$/, '')}`;
}
