import { permanent, StepError, transient } from '../engine/errors';

/**
 * One HTTP call to a provider under the step's signal: connection failures are transient,
 * an abort surfaces as the abort's reason (timeout or cancellation).
 */
export async function callProvider(what: string, url: string | URL, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'manual', ...init });
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason instanceof StepError ? init.signal.reason : new StepError('cancelled', 'request aborted');
    throw transient(`${what} failed: ${causeOf(error)}`, undefined, error);
  }
}

/**
 * The usual classification of an HTTP failure: 408, 429 (honouring Retry-After) and 5xx are
 * transient; any other status is permanent.
 */
export function httpFailure(summary: string, response: Response): StepError {
  if (response.status === 429) return transient(summary, retryAfterMs(response.headers.get('retry-after')));
  if (response.status === 408 || response.status >= 500) return transient(summary);
  return permanent(summary);
}

/** The body as JSON when it is JSON, else its text; bounded. */
export async function readBody(response: Response, maxBytes = 1024 * 1024): Promise<unknown> {
  const text = await response.text();
  if (text.length > maxBytes) return `${text.slice(0, maxBytes)}…`;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Drops undefined fields, so the JSON sent is exactly what was configured. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
