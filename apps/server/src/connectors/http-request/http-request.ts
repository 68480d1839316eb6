import { permanent, StepError, transient } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import { AddressGuard } from './address-guard';

interface HttpRequestConfig {
  method?: unknown;
  url?: unknown;
  headers?: unknown;
  body?: unknown;
  expectStatus?: unknown;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * `http.request` (SPEC §7): an object body is sent as JSON, a string as is. JSON responses
 * are parsed. Failures: connection errors, timeouts, 408, 429 (with Retry-After) and 5xx
 * are transient; other statuses outside `expectStatus` (default: any 2xx) are permanent.
 */
export function httpRequestStep(allowedHosts: string[]): StepHandler<HttpRequestConfig> {
  const guard = new AddressGuard(allowedHosts);
  return {
    type: 'http.request',
    async execute(config, { signal }) {
      const method = String(config.method ?? 'GET').toUpperCase();
      if (!METHODS.has(method)) throw permanent(`http.request: method ${method} is not one of ${[...METHODS].join(', ')}`);
      let url: URL;
      try {
        url = new URL(String(config.url));
      } catch {
        throw permanent(`http.request: url ${JSON.stringify(config.url)} is not an absolute URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw permanent('http.request: only http and https URLs');
      await guard.check(url);

      const headers = new Headers(headersOf(config.headers));
      let body: string | undefined;
      if (config.body !== undefined && config.body !== null && method !== 'GET' && method !== 'HEAD') {
        if (typeof config.body === 'string') body = config.body;
        else {
          body = JSON.stringify(config.body);
          if (!headers.has('content-type')) headers.set('content-type', 'application/json');
        }
      }

      let response: Response;
      try {
        response = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
      } catch (error) {
        if (signal.aborted) throw signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'request aborted');
        throw transient(`http.request: ${method} ${url.origin}${url.pathname} failed: ${causeOf(error)}`, undefined, error);
      }
      const result = { status: response.status, headers: Object.fromEntries(response.headers), body: await readBody(response) };
      if (expected(config.expectStatus, response.status)) return result;
      const summary = `http.request: ${method} ${url.origin}${url.pathname} answered ${response.status}`;
      if (response.status === 429) throw transient(summary, retryAfterMs(response.headers.get('retry-after')));
      if (response.status === 408 || response.status >= 500) throw transient(summary);
      throw permanent(summary);
    },
  };
}

function headersOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw permanent('http.request: headers must be an object of strings');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function expected(expectStatus: unknown, status: number): boolean {
  if (expectStatus === undefined || expectStatus === null) return status >= 200 && status < 300;
  const list = Array.isArray(expectStatus) ? expectStatus : [expectStatus];
  return list.map(Number).includes(status);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) return `${text.slice(0, MAX_RESPONSE_BYTES)}…`;
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

const causeOf = (error: unknown) => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
};
