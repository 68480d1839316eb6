import type { StepType } from '@visapi/contracts';
import type { z } from 'zod';
import type { TemplateScope } from './templating';

/** What a step's code gets besides its rendered config. */
export interface StepContext {
  /** Aborted when the step's timeout passes or the run is cancelled: stop at once. */
  signal: AbortSignal;
  runId: string;
  stepId: string;
  attempt: number;
  /**
   * The scope the step's config was rendered with (`input`, `vars`, `steps`, `run`, and `item`,
   * `index` in a forEach): what a message template renders with when the step gives no
   * `variables`. The same values the config's templates could reach, nothing more.
   */
  scope?: Readonly<TemplateScope>;
}

/**
 * One step type (a connector): the schema its rendered config must match (a mismatch is a
 * permanent error naming the field), and execute, which throws StepError to classify failures.
 */
export interface StepHandler<Config = Record<string, unknown>> {
  type: StepType;
  configSchema?: z.ZodType<Config>;
  /** Top-level config fields that are HTML: what their templates interpolate is HTML-escaped. */
  htmlFields?: readonly string[];
  execute(config: Config, context: StepContext): Promise<unknown>;
  /** Releases what the handler holds (pdf.generate's browser) when the worker shuts down. */
  close?(): Promise<void>;
}

export class StepRegistry {
  private readonly handlers = new Map<string, StepHandler>();

  constructor(handlers: StepHandler[]) {
    for (const handler of handlers) this.handlers.set(handler.type, handler);
  }

  get(type: string): StepHandler | undefined {
    return this.handlers.get(type);
  }

  /** Closes every handler that holds something (the worker's shutdown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.handlers.values()].map((handler) => handler.close?.()));
  }
}
