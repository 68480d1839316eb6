import { permanent } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import type { AddressGuard } from '../address-guard';
import { callProvider, httpFailure, readBody } from '../provider-http';
import { shownUrl, shownUrlText } from './shown-url';

type HttpRequestConfig = {
  method?: unknown;
  url?: unknown;
  headers?: unknown;
  body?: unknown;
  expectStatus?: unknown;
};

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

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
    async execute(config, { signal }) {
      const method = String(config.method ?? 'GET').toUpperCase();
      if (!METHODS.has(method)) throw permanent(`http.request: method ${method} is not one of ${[...METHODS].join(', ')}`);
      let url: URL;
      try {
        url = new URL(String(config.url));
      } catch {
        throw permanent(`http.request: url ${JSON.stringify(shownUrlText(String(config.url)))} is not an absolute URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw permanent('http.request: only http and https URLs');

      const headers = new Headers(headersOf(config.headers));
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
