import { Liquid, type Template } from 'liquidjs';
import { permanent } from './errors';

/** What templates see: the run's input, the workflow's vars, earlier steps' outputs, the run. */
export interface TemplateScope {
  input: unknown;
  vars: Record<string, unknown>;
  steps: Record<string, unknown>;
  run: { id: string; workflowId: string; triggeredAt: string };
  item?: unknown;
  index?: number;
}

/** Parses as the renderer does (unknown filters refused), without rendering. */
const syntaxChecker = new Liquid({ strictFilters: true });

/** Why `text` would not parse as a template — for validating what is saved — or undefined. */
export function templateSyntaxError(text: string): string | undefined {
  try {
    syntaxChecker.parse(text);
    return undefined;
  } catch (error) {
    return `template does not parse: ${(error as Error).message.split('\n')[0]}`;
  }
}

const SINGLE_EXPRESSION = /^\s*\{\{\s*([\s\S]+?)\s*\}\}\s*$/;
const MAX_CACHED = 5_000;

/**
 * Liquid with strict variables (an undefined variable is an error, never an empty string).
 * A string that is exactly one `{{ expression }}` yields the value itself — an object,
 * array or number — so `"data": "{{ input }}"` passes the input, not its text.
 */
export class TemplateRenderer {
  private readonly liquid = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true });
  private readonly parsed = new Map<string, Template[]>();

  async render(value: unknown, scope: TemplateScope): Promise<unknown> {
    if (typeof value === 'string') return this.renderString(value, scope);
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.render(v, scope)));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.render(v, scope);
      return out;
    }
    return value;
  }

  async renderString(text: string, scope: TemplateScope): Promise<unknown> {
    if (!text.includes('{{') && !text.includes('{%')) return text;
    try {
      const single = SINGLE_EXPRESSION.exec(text);
      if (single && !single[1]!.includes('|') && !single[1]!.includes('}}')) {
        return await this.liquid.evalValue(single[1]!, scope as unknown as Record<string, unknown>);
      }
      return await this.liquid.render(this.parse(text), scope as unknown as Record<string, unknown>);
    } catch (error) {
      throw permanent(`template error in "${truncate(text)}": ${(error as Error).message.split('\n')[0]}`, error);
    }
  }

  /** A message template's text over its own variables (no run scope), strictly. */
  async renderText(text: string, variables: Record<string, unknown>): Promise<string> {
    return this.liquid.render(this.parse(text), variables);
  }

  /** `if` (SPEC §4): skipped when it renders to '', false, 0, null or undefined. */
  async isTrue(condition: string, scope: TemplateScope): Promise<boolean> {
    const value = await this.renderString(condition, scope);
    const text = value === null || value === undefined ? '' : String(value).trim();
    return !['', 'false', '0', 'null', 'undefined'].includes(text);
  }

  private parse(text: string): Template[] {
    let templates = this.parsed.get(text);
    if (!templates) {
      templates = this.liquid.parse(text);
      if (this.parsed.size >= MAX_CACHED) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(text, templates);
    }
    return templates;
  }
}

const truncate = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
