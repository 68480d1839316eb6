import http from 'node:http';
import https from 'node:https';
import { permanent, StepError, transient } from '../../engine/errors';
import type { AddressGuard } from '../address-guard';
import { shownUrl } from '../http-request/shown-url';
import { retryAfterMs } from '../provider-http';

const MAX_REDIRECTS = 5;

/**
 * Downloads an image source under the address guard (as http.request: every hop's address is
 * checked where the socket connects), the step's signal and a size cap: a declared or streamed
 * body over `maxBytes` is cut off and refused. Redirects are followed (CDNs answer with them),
 * each target through the guard again. 408, 429 and 5xx are transient, other failures
 * permanent; connection errors transient; an abort rethrows the signal's reason.
 */
export async function fetchSource(source: URL, guard: AddressGuard, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  let url = source;
  for (let hop = 0; ; hop++) {
    const answer = await get(url, guard, maxBytes, signal);
    if (answer.kind === 'body') return answer.body;
    if (hop === MAX_REDIRECTS) throw permanent(`image.process: GET ${shownUrl(source)} redirected more than ${MAX_REDIRECTS} times`);
    url = answer.location;
  }
}

type Answer = { kind: 'body'; body: Buffer } | { kind: 'redirect'; location: URL };

async function get(url: URL, guard: AddressGuard, maxBytes: number, signal: AbortSignal): Promise<Answer> {
  const what = `image.process: GET ${shownUrl(url)}`;
  try {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw permanent(`${what}: only http and https URLs`);
    guard.checkLiteral(url);
    return await request(url, what, guard, maxBytes, signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'download aborted');
    if (error instanceof StepError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw transient(`${what} failed: ${code ?? (error as Error).message}`, undefined, error);
  }
}

function request(url: URL, what: string, guard: AddressGuard, maxBytes: number, signal: AbortSignal): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // A fresh agent per download: no pooled socket outlives the guard's check of its address.
    const req = client.get(url, { agent: false, lookup: guard.lookup, signal, headers: { accept: 'image/*' } }, (response) => {
      const status = response.statusCode ?? 0;
      const fail = (error: StepError) => {
        response.destroy();
        reject(error);
      };
      if (status >= 300 && status < 400 && status !== 304) {
        const location = response.headers.location;
        response.resume();
        if (!location) return fail(permanent(`${what} answered ${status} without a Location`));
        try {
          return resolve({ kind: 'redirect', location: new URL(location, url) });
        } catch {
          return fail(permanent(`${what} answered ${status} with a Location that is not a URL`));
        }
      }
      if (status < 200 || status >= 300) {
        const summary = `${what} answered ${status}`;
        if (status === 429) return fail(transient(summary, retryAfterMs(response.headers['retry-after'] ?? null)));
        return fail(status === 408 || status >= 500 ? transient(summary) : permanent(summary));
      }
      const tooBig = () => permanent(`${what}: the image is larger than ${megabytes(maxBytes)}`);
      if (Number(response.headers['content-length'] ?? 0) > maxBytes) return fail(tooBig());
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(tooBig());
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks) }));
      response.on('error', reject);
      response.on('close', () => response.complete || reject(transient(`${what}: the connection closed mid-download`)));
    });
    req.on('error', reject);
  });
}

export const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
