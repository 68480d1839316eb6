/** How a failure should be treated (SPEC §6): retry later, or give up now. */
export type ErrorClass = 'transient' | 'permanent' | 'timeout' | 'cancelled';

export class StepError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    /** The provider asked us to wait this long before retrying (429 Retry-After). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.errorClass === 'transient' || this.errorClass === 'timeout';
  }

  toJSON() {
    return { class: this.errorClass, message: this.message };
  }
}

export const transient = (message: string, retryAfterMs?: number, cause?: unknown) => new StepError('transient', message, retryAfterMs, { cause });
export const permanent = (message: string, cause?: unknown) => new StepError('permanent', message, undefined, { cause });

/** Anything thrown by a step, as a StepError: unknown errors count as transient (they may pass). */
export function asStepError(error: unknown): StepError {
  if (error instanceof StepError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return transient(message, undefined, error);
}
