import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[\x21-\x7e]{1,128}$/;

/** Takes the caller's X-Request-Id when it is sane (1-128 visible ASCII), else makes one. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && ACCEPTABLE.test(value) ? value : randomUUID();
}
