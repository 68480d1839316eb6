import { z } from 'zod';
import { permanent, StepError } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';

/**
 * `ms` may be a number or a numeric string (a template renders either); `until` an ISO date-time.
 * One of them is needed: a delay with neither is refused on save (at `$.steps[i].config`), not at every run.
 */
export const delayConfigSchema = z
  .object({
    ms: z.coerce.number({ error: 'must be a non-negative number of milliseconds' }).min(0, 'must be a non-negative number of milliseconds').optional(),
    until: z.coerce
      .string()
      .refine((until) => !Number.isNaN(Date.parse(until)), 'must be an ISO date-time, such as 2026-05-01T09:00:00Z')
      .optional(),
  })
  .refine((c) => c.ms !== undefined || c.until !== undefined, { message: 'needs ms or until' });

export type DelayConfig = z.infer<typeof delayConfigSchema>;

/** `delay`: waits `ms`, or until the ISO time `until`; an abort ends the wait at once. */
export const delayStep: StepHandler<DelayConfig> = {
  type: 'delay',
  configSchema: delayConfigSchema,
  async execute(config, { signal }) {
    const ms = waitFor(config);
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(aborted(signal));
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(aborted(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return {};
  },
};

function waitFor(config: DelayConfig): number {
  if (config.ms !== undefined) return config.ms;
  if (config.until !== undefined) return Math.max(0, Date.parse(config.until) - Date.now());
  throw permanent('delay: set ms or until');
}

const aborted = (signal: AbortSignal) =>
  signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'delay aborted');
