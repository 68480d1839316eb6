import { Context, type Liquid } from 'liquidjs';
import { StepError } from './errors';

// What a template may cost (templating.ts renders under these): parse length, memory, time, filter sizes.

/**
 * Bounds on one parse or render, so a hostile template fails instead of spinning a worker. A
 * step's whole config is one render (its strings share one RenderBudget).
 */
export const TEMPLATE_LIMITS = {
  /** Characters of one template (a registry body is at most 100,000). */
  parseLength: 1_000_000,
  /**
   * Characters or array items one render may allocate (filters, ranges, concatenations).
   * Rendered messages are tens of KB and PDF letters a few hundred, so 1,000,000 leaves room;
   * it also bounds one filter call, which liquidjs's time limit cannot interrupt.
   */
  memory: 1_000_000,
  /** Items a filter that sorts or evaluates something per item (sort, where_exp, map…) may take at once. */
  filterItems: 10_000,
  /** Milliseconds one render may take. */
  renderMs: 1_000,
} as const;

const LIMIT_HINTS: Array<[string, string]> = [
  ['parse length limit exceeded', `a template may be at most ${TEMPLATE_LIMITS.parseLength} characters long`],
  ['memory alloc limit exceeded', `a render may allocate at most ${TEMPLATE_LIMITS.memory} characters or items`],
  ['template render limit exceeded', `a render may take at most ${TEMPLATE_LIMITS.renderMs} ms`],
];

/**
 * Filters whose work is more than the memory they charge: they sort, or evaluate a property or
 * an expression per item (itself possibly full of filters). They take at most
 * TEMPLATE_LIMITS.filterItems items.
 */
const PER_ITEM_FILTERS = new Set([
  'sort', 'sort_natural', 'sample', 'map', 'sum', 'where', 'reject', 'where_exp', 'reject_exp', 'group_by', 'group_by_exp',
  'has', 'has_exp', 'find', 'find_exp', 'find_index', 'find_index_exp',
]);

/**
 * Every filter of this Liquid checks the render's time limit before it runs — liquidjs checks it
 * only between template nodes, so a chain of filters in one `{{ }}`, or filters nested in a
 * `where_exp`, would otherwise run on past it — and the per-item ones refuse long arrays.
 */
export function boundFilters(liquid: Liquid): Liquid {
  for (const [name, filter] of Object.entries(liquid.filters)) {
    const handler = typeof filter === 'function' ? filter : filter.handler;
    if (!handler) continue;
    const perItem = PER_ITEM_FILTERS.has(name);
    liquid.registerFilter(name, {
      raw: typeof filter !== 'function' && !!filter.raw,
      handler(this: { context: Context }, value: unknown, ...args: unknown[]) {
        this.context.renderLimit.check(performance.now());
        if (perItem && Array.isArray(value) && value.length > TEMPLATE_LIMITS.filterItems) {
          throw new Error(`${name} over ${value.length} items: a filter that sorts or evaluates per item takes at most ${TEMPLATE_LIMITS.filterItems} items`);
        }
        return handler.call(this as never, value, ...args);
      },
    });
  }
  return liquid;
}

/**
 * What one render may spend: TEMPLATE_LIMITS' memory and time, or less time when `deadline`
 * (a step's timeout, performance.now() based) comes first. Strings rendered with the same
 * budget share it: a step config of many strings gets no more than one template.
 */
export class RenderBudget {
  private readonly memory: Context['memoryLimit'];
  private readonly time: Context['renderLimit'];
  /** Whether the deadline, not TEMPLATE_LIMITS.renderMs, ends this render. */
  readonly deadlineFirst: boolean;

  constructor(readonly deadline = Infinity) {
    const now = performance.now();
    this.deadlineFirst = deadline <= now + TEMPLATE_LIMITS.renderMs;
    // liquidjs's own limiters (it exports no other way to make them), shared by every Context below.
    const limits = new Context({}, undefined, { memoryLimit: TEMPLATE_LIMITS.memory, renderLimit: Math.min(TEMPLATE_LIMITS.renderMs, deadline - now) });
    this.memory = limits.memoryLimit;
    this.time = limits.renderLimit;
  }

  /** A render context over `scope` charged to this budget; past the deadline, the deadline's error. */
  context(liquid: Liquid, scope: object): Context {
    if (performance.now() >= this.deadline) throw deadlineReached();
    return new Context(scope, liquid.options, {}, { liquid, memoryLimit: this.memory, renderLimit: this.time });
  }

  /** A render that failed: the deadline's timeout when that is what stopped it, else undefined. */
  timeoutFor(error: unknown): StepError | undefined {
    if (error instanceof StepError && error.errorClass === 'timeout') return error;
    return this.deadlineFirst && explain(error).includes('template render limit exceeded') ? deadlineReached() : undefined;
  }
}

/** The render reached the deadline its caller set (the step runner names the step and its timeout). */
const deadlineReached = () => new StepError('timeout', 'the render reached its deadline');

/** The first line of a Liquid error, saying which limit a hostile template hit. */
export function explain(error: unknown): string {
  const message = (error as Error).message.split('\n')[0]!;
  const hint = LIMIT_HINTS.find(([text]) => message.includes(text));
  return hint ? `${message} (${hint[1]})` : message;
}

