import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Our Content-Security-Policy and helmet's other defaults. `upgrade-insecure-requests` and
 * HSTS only when PUBLIC_URL is https: served over plain http (a LAN address) they would make
 * the browser fetch every asset over https, which is not there.
 */
export function helmetOptions(publicUrl: string): HelmetOptions {
  const https = publicUrl.startsWith('https:');
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https,
  };
}

/**
 * helmet's headers, computed once: they never depend on the request. (@fastify/helmet builds
 * a new helmet middleware for every request, which cost ~2% of the gateway's CPU on the
 * webhook path.)
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  let done = false;
  helmet(options)({ headers: {}, method: 'GET' } as never, response, () => (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

export function installSecurityHeaders(fastify: FastifyInstance, publicUrl: string) {
  const headers = securityHeaders(helmetOptions(publicUrl));
  fastify.addHook('onRequest', (_request, reply, next) => {
    void reply.headers(headers);
    next();
  });
}
