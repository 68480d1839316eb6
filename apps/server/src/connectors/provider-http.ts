import http from 'node:http';
import https from 'node:https';
import { permanent, StepError, transient } from '../engine/errors';
import type { AddressGuard } from './address-guard';

/** What a provider answered: status, headers and the body (read whole, up to a bound). */
export interface ProviderResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  text(): Promise<string>;
}

export interface ProviderRequest {
  method: string;
  headers?: Record<string, string> | Headers;
  body?: string | URLSearchParams;
  signal: AbortSignal;
  guard?: AddressGuard;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Keep-alive connections per protocol, shared by every connector of the process. */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }) };

/**
 * One HTTP call to a provider under the step's signal: connection failures are transient,
 * an abort surfaces as the abort's reason (timeout or cancellation). Redirects are not
 * followed. node:http rather than fetch: fetch's web streams were ~10 % of the worker's CPU.
 */
export async function callProvider(what: string, url: string | URL, init: ProviderRequest): Promise<ProviderResponse> {
  try {
    if (init.guard) await init.guard.check(new URL(url));
    return await send(new URL(url), init);
  } catch (error) {
    if (error instanceof StepError) throw error;
    if (init.signal.aborted) throw init.signal.reason instanceof StepError ? init.signal.reason : new StepError('cancelled', 'request aborted');
    throw transient(`${what} failed: ${causeOf(error)}`, undefined, error);
  }
}

function send(url: URL, init: ProviderRequest): Promise<ProviderResponse> {
  const headers: Record<string, string> = init.headers instanceof Headers ? Object.fromEntries(init.headers) : { ...init.headers };
  let body: string | undefined;
  if (init.body instanceof URLSearchParams) {
    body = init.body.toString();
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  } else body = init.body;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method: init.method, headers, agent: AGENTS[url.protocol as 'http:' | 'https:'], ...(init.guard && { lookup: init.guard.connectLookup as never }), signal: init.signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) response.destroy(); // enough: the rest is not read into memory
      });
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, headers: toHeaders(response.headers), text: async () => (size >= MAX_BODY_BYTES ? `${text}…` : text) });
      };
      response.on('end', done);
      response.on('close', () => size >= MAX_BODY_BYTES && done());
      response.on('error', (error) => (size >= MAX_BODY_BYTES ? done() : reject(error)));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * The usual classification of an HTTP failure: 408, 429 (honouring Retry-After) and 5xx are
 * transient; any other status is permanent.
 */
export function httpFailure(summary: string, response: ProviderResponse): StepError {
  if (response.status === 429) return transient(summary, retryAfterMs(response.headers.get('retry-after')));
  if (response.status === 408 || response.status >= 500) return transient(summary);
  return permanent(summary);
}

/** The body as JSON when it is JSON, else its text; bounded. */
export async function readBody(response: ProviderResponse, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
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
  const { code, cause } = error as { code?: string; cause?: { code?: string; message?: string } };
  return code ?? cause?.code ?? cause?.message ?? (error as Error).message;
}
