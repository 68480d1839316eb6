import { z } from 'zod';
import type { StepHandler } from '../../engine/step-types';
import type { AddressGuard } from '../address-guard';
import { callProvider, httpFailure, readBody } from '../provider-http';
import { shownUrl, shownUrlText } from './shown-url';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const status = z.coerce.number().int().min(100).max(599);

export const httpRequestConfigSchema = z.object({
  /** Any case; GET when left out. */
  method: z.preprocess((m) => (m === undefined || m === null ? undefined : String(m).toUpperCase()), z.enum(METHODS).optional()),
  // Its problems show the URL as errors do (shown-url.ts): no query, no secret-looking segment.
  url: z.string().superRefine((text, ctx) => {
    const problem = urlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  headers: z.record(z.string(), z.unknown(), { error: 'must be an object of strings' }).nullish(),
  body: z.unknown().optional(),
  /** A status or a list of them; any 2xx when left out. */
  expectStatus: z.union([z.array(status).min(1), status]).nullish(),
});

export type HttpRequestConfig = z.infer<typeof httpRequestConfigSchema>;

/**
 * `http.request` (SPEC §7): an object body is sent as JSON, a string as is. JSON responses
 * are parsed. Failures: connection errors, timeouts, 408, 429 (with Retry-After) and 5xx
 * are transient; other statuses outside `expectStatus` (default: any 2xx) are permanent.
 * The URL may come from input: the guard decides which addresses it may reach. Errors name
 * the request without its query or secret-looking path segments (they reach logs and alerts).
 */
export function httpRequestStep(guard: AddressGuard): StepHandler<HttpRequestConfig> {
  return {
    type: 'http.request',
    configSchema: httpRequestConfigSchema,
    async execute(config, { signal }) {
      const method = config.method ?? 'GET';
      const url = new URL(config.url);
      const headers = new Headers(Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k, String(v)])));
      let body: string | undefined;
      if (config.body !== undefined && config.body !== null && method !== 'GET' && method !== 'HEAD') {
        if (typeof config.body === 'string') body = config.body;
        else {
          body = JSON.stringify(config.body);
          if (!headers.has('content-type')) headers.set('content-type', 'application/json');
        }
      }

      // What errors show of the request: no query, no secret-looking path segment (shown-url.ts).
      const target = `${method} ${shownUrl(url)}`;
      const response = await callProvider(`http.request: ${target}`, url, { method, headers, body, signal, guard });
      const result = { status: response.status, headers: Object.fromEntries(response.headers), body: await readBody(response) };
      if (expected(config.expectStatus, response.status)) return result;
      throw httpFailure(`http.request: ${target} answered ${response.status}`, response);
    },
  };
}

function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(shownUrlText(text))} is not an absolute URL`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'only http and https URLs';
}

function expected(expectStatus: HttpRequestConfig['expectStatus'], status: number): boolean {
  if (expectStatus === undefined || expectStatus === null) return status >= 200 && status < 300;
  return (Array.isArray(expectStatus) ? expectStatus : [expectStatus]).includes(status);
}
