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

/** What every renderer shares: strict variables and filters, own properties only. */
const LIQUID_OPTIONS = { strictVariables: true, strictFilters: true, ownPropertyOnly: true };

/**
 * Liquid for HTML contexts (an e-mail's `html`): every output is HTML-escaped unless its
 * last filter is `raw`, the explicit opt-out. `escape` and `escape_once` count as raw, so a
 * template that already escapes is not escaped twice.
 */
function htmlLiquid(): Liquid {
  const liquid = new Liquid({ ...LIQUID_OPTIONS, outputEscape: 'escape' });
  for (const name of ['escape', 'escape_once']) {
    const filter = liquid.filters[name]!;
    liquid.registerFilter(name, { handler: typeof filter === 'function' ? filter : filter.handler, raw: true });
  }
  return liquid;
}

/**
 * Liquid with strict variables (an undefined variable is an error, never an empty string).
 * A string that is exactly one `{{ expression }}` yields the value itself — an object,
 * array or number — so `"data": "{{ input }}"` passes the input, not its text.
 */
export class TemplateRenderer {
  private readonly liquid = new Liquid(LIQUID_OPTIONS);
  private readonly html = htmlLiquid();
  private readonly parsed = new Map<string, Template[]>();
  private readonly parsedHtml = new Map<string, Template[]>();

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

  /** A string in an HTML context: always text, and what it interpolates is HTML-escaped. */
  async renderHtml(text: string, scope: TemplateScope): Promise<string> {
    if (!text.includes('{{') && !text.includes('{%')) return text;
    try {
      return await this.html.render(this.parse(text, this.html, this.parsedHtml), scope as unknown as Record<string, unknown>);
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

  private parse(text: string, liquid = this.liquid, cache = this.parsed): Template[] {
    let templates = cache.get(text);
    if (!templates) {
      templates = liquid.parse(text);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
      cache.set(text, templates);
    }
    return templates;
  }
}

const truncate = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
