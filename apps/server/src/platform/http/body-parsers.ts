import net, { type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import { startRedisBudget } from '../redis/request-budget';

export const MAX_JSON_DEPTH = 32;

/** Per-route options set with Nest's @RouteConfig({...}). */
export interface BodyRouteConfig {
  /** A smaller body limit than the global one (bytes). */
  bodyLimit?: number;
  /** Also accept application/x-www-form-urlencoded, parsed into an object. */
  acceptForms?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes exactly as received (signature checks need them). */
    rawBody?: Buffer;
    /** What rawBody holds: a JSON body's bytes are the input as JSON text already; a form's are not. */
    rawBodyType?: 'json' | 'form';
  }
}

class BodyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * JSON everywhere (kept raw too, with a depth limit), forms only where a route opts in, and
 * per-route body limits: Fastify checks the limit while streaming, so an oversized body is
 * refused without being read into memory.
 */
export function installBodyParsers(fastify: FastifyInstance) {
  fastify.addHook('onRoute', (route) => {
    const limit = (route.config as BodyRouteConfig | undefined)?.bodyLimit;
    if (limit) route.bodyLimit = limit;
  });
  // An answer before the body is all in (413 while a chunked upload goes on, 415): the
  // connection closes after it, gently (see lingerAfterAnswer).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // `complete` is Node's own (injected requests have none, nor a real socket).
    if (request.raw.complete === false && request.raw.socket instanceof net.Socket && !reply.raw.headersSent) {
      void reply.header('connection', 'close');
      lingerAfterAnswer(request.raw.socket);
    }
    done(null, payload);
  });
  for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
    if (fastify.hasContentTypeParser(type)) fastify.removeContentTypeParser(type);
  }
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    startRedisBudget(request);
    request.rawBody = body as Buffer;
    request.rawBodyType = 'json';
    const text = request.rawBody.toString('utf8');
    if (text.length === 0) return done(new BodyError('FST_ERR_CTP_EMPTY_JSON_BODY', 'The JSON body is empty.', 400), undefined);
    let value: unknown;
    try {
      value = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(new BodyError('FST_ERR_CTP_INVALID_JSON_BODY', 'The body is not valid JSON.', 400), undefined);
    }
    if (depthOf(value) > MAX_JSON_DEPTH) {
      return done(new BodyError('VISAPI_JSON_TOO_DEEP', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`, 400), undefined);
    }
    done(null, value);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
    if (!(request.routeOptions.config as BodyRouteConfig | undefined)?.acceptForms) {
      return done(new BodyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Send the body as application/json.', 415), undefined);
    }
    startRedisBudget(request);
    request.rawBody = body as Buffer;
    request.rawBodyType = 'form';
    let form: Record<string, string | string[]>;
    try {
      form = parseForm(request.rawBody.toString('utf8'));
    } catch (error) {
      return done(error as Error, undefined);
    }
    done(null, form);
  });
}

/** How long a connection answered before its body was all in may go on draining the upload. */
export const LINGER_MAX_MS = 10_000;
/** …and how long it may stay silent meanwhile. */
export const LINGER_IDLE_MS = 2_000;

/**
 * After answering a request whose body is still coming, Node ends the connection (FIN) and then
 * closes the socket at once: the bytes the client goes on sending meet a closed socket, the
 * kernel answers them with a reset, and a reset makes the client's kernel throw away what it
 * had not read yet — the answer. A client that reads only once its upload is done (most
 * synchronous clients) then sees "connection reset" instead of the 413. So, like a web
 * server's lingering close: end our side, read and discard what still comes until the client
 * ends its side (it has read the answer and EOF), then close — bounded by LINGER_MAX_MS, and
 * LINGER_IDLE_MS without data.
 */
function lingerAfterAnswer(socket: Socket) {
  if (socket.destroyed) return;
  socket.destroySoon = () => void socket.end();
  const close = () => socket.destroy();
  const deadline = setTimeout(close, LINGER_MAX_MS);
  deadline.unref();
  socket.setTimeout(LINGER_IDLE_MS, close);
  socket.on('data', () => undefined);
  socket.once('end', close);
  socket.once('close', () => clearTimeout(deadline));
}

/**
 * The body's bytes when they are the parsed body as JSON text (a JSON request), to be stored as
 * they came instead of stringified again. Not a form's; not with a byte-order mark, which the
 * parser skips and JSON.parse would not.
 */
export function jsonBodyBytes(request: { rawBody?: Buffer; rawBodyType?: 'json' | 'form' }): Buffer | undefined {
  const raw = request.rawBodyType === 'json' ? request.rawBody : undefined;
  return raw && !(raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) ? raw : undefined;
}

/** Forms are parsed before authentication: more fields than this are refused unread (413). */
export const MAX_FORM_FIELDS = 1_000;

/**
 * `a=1&a=2&b=x` → `{ a: ['1', '2'], b: 'x' }`, in time linear in the body: repeated keys
 * append in place. `meter.writes` counts the values stored (tests check it stays linear).
 */
export function parseForm(text: string, meter?: { writes: number }): Record<string, string | string[]> {
  if (formFieldsOver(text, MAX_FORM_FIELDS)) {
    throw new BodyError('VISAPI_FORM_TOO_MANY_FIELDS', `The form has more than ${MAX_FORM_FIELDS.toLocaleString('en-US')} fields.`, 413);
  }
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
    if (meter) meter.writes += 1;
  }
  return { ...out };
}

/** Whether `text` has more than `max` fields (non-empty `&`-separated parts, as URLSearchParams reads them). */
function formFieldsOver(text: string, max: number): boolean {
  let fields = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start && ++fields > max) return true;
    start = end + 1;
  }
  return false;
}

/** Nesting depth of a JSON value, iteratively (a hostile body cannot overflow the stack). */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}
