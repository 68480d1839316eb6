import type { StepType } from '@visapi/contracts';

/** What a step's code gets besides its rendered config. */
export interface StepContext {
  /** Aborted when the step's timeout passes or the run is cancelled: stop at once. */
  signal: AbortSignal;
  runId: string;
  stepId: string;
  attempt: number;
}

/** One step type (a connector): executes a rendered config, throws StepError to classify. */
export interface StepHandler<Config = Record<string, unknown>> {
  type: StepType;
  execute(config: Config, context: StepContext): Promise<unknown>;
}

export class StepRegistry {
  private readonly handlers = new Map<string, StepHandler>();

  constructor(handlers: StepHandler[]) {
    for (const handler of handlers) this.handlers.set(handler.type, handler);
  }

  get(type: string): StepHandler | undefined {
    return this.handlers.get(type);
  }
}
