import { AsyncLocalStorage } from 'node:async_hooks';
import { putTemplateSchema } from '@visapi/contracts';
import { type FS, Liquid, type LiquidOptions, type Template } from 'liquidjs';
import { permanent, StepError, transient } from './errors';
import { boundFilters, explain, RenderBudget, TEMPLATE_LIMITS } from './template-limits';

export { RenderBudget, TEMPLATE_LIMITS } from './template-limits';

/** What templates see: the run's input, the workflow's vars, earlier steps' outputs, the run. */
export interface TemplateScope {
  input: unknown;
  vars: Record<string, unknown>;
  steps: Record<string, unknown>;
  run: { id: string; workflowId: string; triggeredAt: string };
  item?: unknown;
  index?: number;
}

/**
 * A registry template's text by name, for `{% render 'letterhead' %}` in a registry template
 * (same channel, the message's locale); undefined when there is none. May throw a StepError.
 */
export type PartialLookup = (name: string) => Promise<string | undefined>;

const NO_PARTIALS_IN_CONFIGS =
  'partials ({% render %}, {% include %}, {% layout %}) are not available in step configs; name a registry template in the step’s `template` instead';
const NO_REGISTRY = 'partials ({% render %}, {% include %}, {% layout %}) need the template registry, which this render has not';

/** The registry-template render in progress (see renderText): its partial lookup, what it found, the time it waited for it. */
interface PartialRender {
  lookup: PartialLookup;
  found: Map<string, string>;
  lookupMs: number;
}
const currentLookup = new AsyncLocalStorage<PartialRender>();

/**
 * Liquid's "file system", with no disk behind it (liquidjs's default reads any file under the
 * working directory). A partial's name is looked up as a registry template through the lookup
 * of the render in progress — or refused, where there is none.
 */
class PartialFiles implements FS {
  readonly sep = '/';

  constructor(private readonly refusal: string | undefined) {}

  resolve(_dir: string, name: string): string {
    return name;
  }

  /** Throws (a clear message instead of liquidjs's "ENOENT ... in root") when there is no such template. */
  async exists(name: string): Promise<boolean> {
    await this.read(name);
    return true;
  }

  readFile(name: string): Promise<string> {
    return this.read(name);
  }

  existsSync(): boolean {
    throw new Error('templates render asynchronously only');
  }

  readFileSync(): string {
    throw new Error('templates render asynchronously only');
  }

  async contains(): Promise<boolean> {
    return true;
  }

  private async read(name: string): Promise<string> {
    const render = this.refusal === undefined ? currentLookup.getStore() : undefined;
    if (!render) throw new Error(this.refusal ?? NO_REGISTRY);
    // Names may come from variables ({% render name %}): only a registry name is ever looked up.
    if (!putTemplateSchema.shape.name.safeParse(name).success) throw new Error(`"${truncate(name)}" is not a template name (a-z 0-9 _ . -, at most 100)`);
    let text = render.found.get(name);
    if (text === undefined) {
      const started = performance.now();
      text = await render.lookup(name).finally(() => (render.lookupMs += performance.now() - started));
      if (text === undefined) throw new Error(`no template named "${name}" in the template registry for this channel and locale`);
      render.found.set(name, text);
    }
    return text;
  }
}

function liquidOptions(files: FS, extra: LiquidOptions = {}): LiquidOptions {
  return {
    fs: files,
    root: ['templates'],
    relativeReference: false,
    parseLimit: TEMPLATE_LIMITS.parseLength,
    memoryLimit: TEMPLATE_LIMITS.memory,
    renderLimit: TEMPLATE_LIMITS.renderMs,
    strictFilters: true,
    ...extra,
  };
}

/** Parses as the renderer does (unknown filters refused, same limits), without rendering. */
const syntaxChecker = new Liquid(liquidOptions(new PartialFiles(NO_REGISTRY)));

/** Why `text` would not parse as a template — for validating what is saved — or undefined. */
export function templateSyntaxError(text: string): string | undefined {
  try {
    syntaxChecker.parse(text);
    return undefined;
  } catch (error) {
    return `template does not parse: ${explain(error)}`;
  }
}

const MAX_CACHED = 5_000;

/**
 * What the step-config renderers share: strict variables (but `{% if input.locale %}` may test
 * an optional field: lenientIf), own properties only, no partials.
 */
const configOptions = (extra: LiquidOptions = {}) =>
  liquidOptions(new PartialFiles(NO_PARTIALS_IN_CONFIGS), { strictVariables: true, lenientIf: true, ownPropertyOnly: true, ...extra });

/**
 * Liquid for HTML contexts (an e-mail's `html`): every output is HTML-escaped unless its
 * last filter is `raw`, the explicit opt-out. `escape` and `escape_once` count as raw, so a
 * template that already escapes is not escaped twice.
 */
function htmlLiquid(options: LiquidOptions = configOptions({ outputEscape: 'escape' })): Liquid {
  const liquid = new Liquid(options);
  for (const name of ['escape', 'escape_once']) {
    const filter = liquid.filters[name]!;
    liquid.registerFilter(name, { handler: typeof filter === 'function' ? filter : filter.handler, raw: true });
  }
  return boundFilters(liquid);
}

/**
 * Liquid with strict variables (an undefined variable is an error, never an empty string).
 * A string that is exactly one `{{ expression }}` yields the value itself — an object,
 * array or number — so `"data": "{{ input }}"` passes the input, not its text.
 *
 * Step configs (run scope, and their HTML fields, escaped) have no partials at all; registry templates may
 * render other registry templates by name. Neither reads files. Every parse and render is
 * bounded by TEMPLATE_LIMITS.
 */
export class TemplateRenderer {
  private readonly configs = new Parsed(boundFilters(new Liquid(configOptions())));
  /** Step configs' HTML fields (htmlLiquid); its own parse cache: escaping is fixed at parse time. */
  private readonly html = new Parsed(htmlLiquid());
  /** Registry templates: strict, but `{% if country %}` may test a variable the step does not give (an optional part). */
  private readonly registry = new Parsed(boundFilters(new Liquid(liquidOptions(new PartialFiles(undefined), { strictVariables: true, lenientIf: true, ownPropertyOnly: true }))));
  /**
   * The registry's Liquid for HTML documents (PDF templates): outputs HTML-escaped as in htmlLiquid, and
   * `{% if optional %}` may test a variable the data does not give (strict everywhere else).
   */
  private readonly registryHtml = new Parsed(
    htmlLiquid(liquidOptions(new PartialFiles(undefined), { strictVariables: true, ownPropertyOnly: true, lenientIf: true, outputEscape: 'escape' })),
  );
  /** The registry's Liquid but lenient (see preview()); nothing cached: previews are drafts, each text seen once. */
  private readonly previews = boundFilters(new Liquid(liquidOptions(new PartialFiles(undefined), { ownPropertyOnly: true })));

  /** A config value: its strings rendered with one budget (a whole step config is one render). */
  async render(value: unknown, scope: TemplateScope, budget = new RenderBudget()): Promise<unknown> {
    if (typeof value === 'string') return this.renderString(value, scope, budget);
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.render(v, scope, budget)));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.render(v, scope, budget);
      return out;
    }
    return value;
  }

  async renderString(text: string, scope: TemplateScope, budget = new RenderBudget()): Promise<unknown> {
    if (!text.includes('{{') && !text.includes('{%')) return text;
    try {
      // evalValue() does not count parse length: the lone-expression shortcut must not skip the limit.
      if (text.length > TEMPLATE_LIMITS.parseLength) throw new Error('parse length limit exceeded');
      const { liquid } = this.configs;
      const single = loneExpression(text);
      if (single !== undefined) return await liquid.evalValue(single, budget.context(liquid, scope));
      return await liquid.render(this.configs.parse(text), budget.context(liquid, scope));
    } catch (error) {
      throw budget.timeoutFor(error) ?? permanent(`template error in "${truncate(text)}": ${explain(error)}`, error);
    }
  }

  /** A string in an HTML context: always text, and what it interpolates is HTML-escaped. */
  async renderHtml(text: string, scope: TemplateScope, budget = new RenderBudget()): Promise<string> {
    if (!text.includes('{{') && !text.includes('{%')) return text;
    try {
      return await this.html.liquid.render(this.html.parse(text), budget.context(this.html.liquid, scope));
    } catch (error) {
      throw budget.timeoutFor(error) ?? permanent(`template error in "${truncate(text)}": ${explain(error)}`, error);
    }
  }

  /**
   * A message template's text over its own variables (no run scope), strictly; `partials`
   * finds the registry templates it renders by name. A StepError: permanent for template
   * errors, as the lookup classified it when a partial could not be looked up.
   */
  async renderText(text: string, variables: Record<string, unknown>, partials?: PartialLookup): Promise<string> {
    return this.renderRegistry(this.registry, text, variables, partials);
  }

  /** renderText for an HTML document: what the template interpolates is HTML-escaped (`| raw` opts out). */
  async renderHtmlText(text: string, variables: Record<string, unknown>, partials?: PartialLookup): Promise<string> {
    return this.renderRegistry(this.registryHtml, text, variables, partials);
  }

  private async renderRegistry(parsed: Parsed, text: string, variables: Record<string, unknown>, partials?: PartialLookup): Promise<string> {
    const render: PartialRender | undefined = partials && { lookup: partials, found: new Map(), lookupMs: 0 };
    try {
      const { liquid } = parsed;
      const templates = parsed.parse(text);
      if (!render) return await liquid.render(templates, new RenderBudget().context(liquid, variables));
      return await currentLookup.run(render, () => liquid.render(templates, new RenderBudget().context(liquid, variables)));
    } catch (error) {
      const lookupFailure = stepErrorIn(error);
      if (lookupFailure) throw lookupFailure;
      // The time limit counts waiting for the registry too: a slow database is not the template's fault.
      if (render && render.lookupMs >= TEMPLATE_LIMITS.renderMs / 2 && explain(error).includes('template render limit exceeded')) {
        throw transient(`partial templates took ${Math.round(render.lookupMs)} ms to look up: ${explain(error)}`, undefined, error);
      }
      throw permanent(explain(error), error);
    }
  }

  /**
   * A message template rendered as renderText renders it in a run (same filters, partials and
   * limits), except that a variable the sample does not give renders empty instead of failing;
   * `missing` names those (top-level, partials included). A template that does not parse or
   * render throws a TemplateTextError; a partial lookup's own StepError is thrown as it is.
   */
  async preview(text: string, variables: Record<string, unknown>, partials: PartialLookup): Promise<{ text: string; missing: string[] }> {
    const render: PartialRender = { lookup: partials, found: new Map(), lookupMs: 0 };
    const liquid = this.previews;
    try {
      const templates = liquid.parse(text);
      return await currentLookup.run(render, async () => {
        // Rendered first: its errors say where they are; the analysis then reads the partials it
        // found, and a partial only a branch not taken names, when it can (else it is left out).
        const rendered = await liquid.render(templates, new RenderBudget().context(liquid, variables));
        const used = await liquid.globalVariables(templates, { partials: true }).catch(() => liquid.globalVariables(templates, { partials: false }));
        return { text: rendered, missing: used.filter((name) => !Object.hasOwn(variables, name)) };
      });
    } catch (error) {
      throw stepErrorIn(error) ?? TemplateTextError.from(error);
    }
  }

  /** `if` (SPEC §4): skipped when it renders to '', false, 0, null or undefined. */
  async isTrue(condition: string, scope: TemplateScope): Promise<boolean> {
    const value = await this.renderString(condition, scope);
    const text = value === null || value === undefined ? '' : String(value).trim();
    return !['', 'false', '0', 'null', 'undefined'].includes(text);
  }
}

/** A template that does not parse or render; where in its text (1-based), when it is in the text itself rather than a partial. */
export class TemplateTextError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  static from(error: unknown): TemplateTextError {
    const token = (error as { token?: { file?: string; getPosition?: () => number[] } }).token;
    const [line, column] = token?.getPosition && !token.file ? token.getPosition() : [];
    return new TemplateTextError(explain(error), line, column, { cause: error });
  }
}

/** One Liquid and the templates it parsed (a parsed template belongs to its Liquid: its partials load through it). */
class Parsed {
  private readonly cache = new Map<string, Template[]>();

  constructor(readonly liquid: Liquid) {}

  parse(text: string): Template[] {
    let templates = this.cache.get(text);
    if (!templates) {
      templates = this.liquid.parse(text);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(text, templates);
    }
    return templates;
  }
}

/**
 * `{{ expression }}` alone (no filter) → the expression; else undefined. Without a regex:
 * a lazy one backtracks quadratically over long runs of spaces.
 */
function loneExpression(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length < 5 || !trimmed.startsWith('{{') || !trimmed.endsWith('}}')) return undefined;
  const expression = trimmed.slice(2, -2).trim();
  if (!expression || expression.includes('|') || expression.includes('}}')) return undefined;
  return expression;
}

/** A StepError thrown by a partial lookup, under Liquid's wrapping errors. */
function stepErrorIn(error: unknown): StepError | undefined {
  for (let e = error, depth = 0; e && depth < 10; e = (e as { originalError?: unknown }).originalError, depth++) {
    if (e instanceof StepError) return e;
  }
  return undefined;
}

const truncate = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
