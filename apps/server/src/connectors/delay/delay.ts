import { permanent, StepError } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';

/** `delay`: waits `ms`, or until the ISO time `until`; an abort ends the wait at once. */
export const delayStep: StepHandler<{ ms?: unknown; until?: unknown }> = {
  type: 'delay',
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

function waitFor(config: { ms?: unknown; until?: unknown }): number {
  if (config.ms !== undefined) {
    const ms = Number(config.ms);
    if (!Number.isFinite(ms) || ms < 0) throw permanent(`delay: ms must be a non-negative number, got ${JSON.stringify(config.ms)}`);
    return ms;
  }
  if (config.until !== undefined) {
    const at = Date.parse(String(config.until));
    if (Number.isNaN(at)) throw permanent(`delay: until must be an ISO date-time, got ${JSON.stringify(config.until)}`);
    return Math.max(0, at - Date.now());
  }
  throw permanent('delay: set ms or until');
}

const aborted = (signal: AbortSignal) =>
  signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'delay aborted');
