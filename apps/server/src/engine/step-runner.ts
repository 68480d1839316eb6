import type { WorkflowStep } from '@visapi/contracts';
import { asStepError, permanent, StepError } from './errors';
import type { StepHandler, StepRegistry } from './step-types';
import { RenderBudget, type TemplateRenderer, type TemplateScope } from './templating';

export const MAX_FOR_EACH_ITEMS = 1_000;

export interface ItemResult {
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: { class: string; message: string };
}

export type StepOutcome =
  | { status: 'succeeded'; output: unknown; items?: ItemResult[] }
  | { status: 'skipped' }
  | { status: 'failed'; error: StepError; items?: ItemResult[] };

export interface AttemptContext {
  runId: string;
  attempt: number;
  /** Items of a forEach step that succeeded in an earlier attempt: not run again. */
  previousItems?: ItemResult[] | null;
  /** Aborts the attempt from outside (the run was cancelled). */
  signal?: AbortSignal;
  /**
   * Records one forEach item's result as it finishes; the next item starts only once it has
   * resolved, so a worker killed mid-forEach re-sends at most the item in flight. Its failure is
   * not the step's: it is thrown out of attempt() (the delivery fails, as when any write fails).
   */
  itemFinished?: (index: number, item: ItemResult) => Promise<void>;
}

/**
 * Runs one attempt of one step: evaluates `if`, renders the config and runs the step type's
 * handler, both under the step's timeout (which aborts the handler; the config's render is one
 * render, bounded by TEMPLATE_LIMITS and ended by the timeout), and for `forEach` runs every item —
 * all of them, even after one fails — skipping items that succeeded before.
 * Retrying, backing off and storing the outcome are the run loop's job.
 */
export class StepRunner {
  constructor(
    private readonly registry: StepRegistry,
    private readonly renderer: TemplateRenderer,
  ) {}

  async attempt(step: WorkflowStep, scope: TemplateScope, context: AttemptContext): Promise<StepOutcome> {
    let list: unknown[];
    try {
      if (step.if !== undefined && !(await this.renderer.isTrue(step.if, scope))) return { status: 'skipped' };
      if (!this.registry.get(step.type)) throw permanent(`no connector for step type ${step.type}`);
      if (step.forEach === undefined) return { status: 'succeeded', output: await this.execute(step, scope, context) };
      list = forEachList(scope, step.forEach);
    } catch (error) {
      return { status: 'failed', error: asStepError(error) };
    }
    return this.forEach(step, list, scope, context);
  }

  /** Every item, one after the other, each recorded as it finishes (context.itemFinished). */
  private async forEach(step: WorkflowStep, list: unknown[], scope: TemplateScope, context: AttemptContext): Promise<StepOutcome> {
    const items: ItemResult[] = [];
    const errors: StepError[] = [];
    for (const [index, item] of list.entries()) {
      const before = context.previousItems?.[index];
      if (before?.status === 'succeeded') {
        items.push(before);
        continue;
      }
      let result: ItemResult;
      try {
        result = { status: 'succeeded', output: await this.execute(step, { ...scope, item, index }, context) };
      } catch (error) {
        const stepError = asStepError(error);
        if (stepError.errorClass === 'cancelled') return { status: 'failed', error: stepError, items };
        errors.push(stepError);
        result = { status: 'failed', error: stepError.toJSON() };
      }
      items.push(result);
      await context.itemFinished?.(index, result);
    }
    if (errors.length === 0) return { status: 'succeeded', output: items.map((i) => i.output), items };
    const retryable = errors.every((e) => e.retryable);
    const summary = `${errors.length} of ${list.length} items failed; first: ${errors[0]!.message}`;
    const retryAfter = Math.max(0, ...errors.map((e) => e.retryAfterMs ?? 0)) || undefined;
    return { status: 'failed', error: new StepError(retryable ? 'transient' : 'permanent', summary, retryAfter), items };
  }

  /** Renders the config as one render (one budget); a string in one of the handler's HTML fields is rendered HTML-escaped. */
  private async renderConfig(handler: StepHandler, config: Record<string, unknown>, scope: TemplateScope, budget: RenderBudget): Promise<Record<string, unknown>> {
    const rendered: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      const html = typeof value === 'string' && handler.htmlFields?.includes(key);
      rendered[key] = html ? await this.renderer.renderHtml(value, scope, budget) : await this.renderer.render(value, scope, budget);
    }
    return rendered;
  }

  /**
   * Renders the config and calls the handler, under the step's timeout: the render ends at it
   * (Liquid runs on microtasks, so no timer could interrupt it: the render's time limit is cut
   * to the deadline), and the handler gets what is left, then is aborted and no longer waited for.
   */
  private async execute(step: WorkflowStep, scope: TemplateScope, context: AttemptContext): Promise<unknown> {
    const handler = this.registry.get(step.type)!;
    const timeoutMs = step.timeout ?? 30_000;
    const deadline = performance.now() + timeoutMs;
    const timedOut = (during = '') => new StepError('timeout', `step ${step.id} timed out after ${timeoutMs} ms${during}`);
    const rendered = await this.renderConfig(handler, step.config ?? {}, scope, new RenderBudget(deadline)).catch((error: unknown) => {
      throw error instanceof StepError && error.errorClass === 'timeout' ? timedOut(' while rendering its config') : error;
    });
    const config = parseConfig(handler, step, rendered);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timedOut()), Math.max(0, deadline - performance.now()));
    const onCancel = () => controller.abort(new StepError('cancelled', 'the run was cancelled'));
    context.signal?.addEventListener('abort', onCancel, { once: true });
    if (context.signal?.aborted) onCancel();
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(controller.signal.reason);
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    try {
      return await Promise.race([
        handler.execute(config, { signal: controller.signal, runId: context.runId, stepId: step.id, attempt: context.attempt, scope }),
        aborted,
      ]);
    } finally {
      clearTimeout(timer);
      context.signal?.removeEventListener('abort', onCancel);
    }
  }
}

function parseConfig(handler: StepHandler, step: WorkflowStep, rendered: unknown): Record<string, unknown> {
  if (!handler.configSchema) return rendered as Record<string, unknown>;
  const parsed = handler.configSchema.safeParse(rendered);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${['config', ...i.path].join('.')}: ${i.message}`);
  throw permanent(`${step.type} step ${step.id}: invalid config: ${problems.join('; ')}`);
}

function forEachList(scope: TemplateScope, path: string): unknown[] {
  const list = resolvePath(scope, path);
  if (!Array.isArray(list)) throw permanent(`forEach: ${path} is not an array`);
  if (list.length > MAX_FOR_EACH_ITEMS) throw permanent(`forEach: ${path} has ${list.length} items; the limit is ${MAX_FOR_EACH_ITEMS}`);
  return list;
}

/** `input.applicants`, `steps.lookup.output.items`, `vars.list` → the value in the scope. */
export function resolvePath(scope: TemplateScope, path: string): unknown {
  let value: unknown = scope;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
