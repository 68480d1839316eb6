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
  /** For a URL that may come from input: connect only to addresses the guard allows. */
  guard?: AddressGuard;
}

const MAX_BODY_BYTES = 1024 * 1024;

type Agents = { 'http:': http.Agent; 'https:': https.Agent };
const keepAlive = (lookup?: AddressGuard['lookup']): Agents => ({
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, lookup }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, lookup }),
});
/** Keep-alive connections per protocol, shared by the connectors' unguarded calls (configured URLs). */
const AGENTS = keepAlive();
/**
 * Each guard's own pool: every socket in it was opened through that guard's lookup, so a
 * kept-alive socket is only ever reused under the check that opened it (never one of an
 * unguarded call to the same host, nor one of a guard with another allow-list).
 */
const GUARDED_AGENTS = new WeakMap<AddressGuard, Agents>();

function agentsFor(guard: AddressGuard | undefined): Agents {
  if (!guard) return AGENTS;
  let agents = GUARDED_AGENTS.get(guard);
  if (!agents) GUARDED_AGENTS.set(guard, (agents = keepAlive(guard.lookup)));
  return agents;
}

/**
 * One HTTP call to a provider under the step's signal: connection failures are transient,
 * an abort surfaces as the abort's reason (timeout or cancellation). Redirects are not
 * followed. node:http rather than fetch: fetch's web streams were ~10 % of the worker's CPU.
 * With a guard, a refused address is the guard's permanent error, a failed lookup transient.
 */
export async function callProvider(what: string, url: string | URL, init: ProviderRequest): Promise<ProviderResponse> {
  try {
    const target = new URL(url);
    init.guard?.checkLiteral(target);
    return await send(target, init);
  } catch (error) {
    if (error instanceof StepError && !init.signal.aborted) throw error;
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
    const request = client.request(url, { method: init.method, headers, agent: agentsFor(init.guard)[url.protocol as 'http:' | 'https:'], signal: init.signal }, (response) => {
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
