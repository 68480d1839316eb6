import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from './support/auth-helpers';
import { ProbeModule } from './support/probe.module';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', imports: [ProbeModule], env: { HTTP_BODY_LIMIT_BYTES: '2048' } });
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('request ids', () => {
  it('generates one when the request has none', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a sane one from the request', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('replaces one that is too long or has control characters', async () => {
    for (const bad of ['x'.repeat(129), 'a b', 'é']) {
      const res = await t.app.inject({ method: 'GET', url: '/livez', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('puts the id in problem bodies too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: { 'x-request-id': 'req-42' } });
    expect(res.json().requestId).toBe('req-42');
    expect(res.headers['x-request-id']).toBe('req-42');
  });
});

describe('problem details', () => {
  it('404 for an unknown API route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ type: '/problems/not-found', title: 'Not found', status: 404, instance: '/api/v1/nothing' });
  });

  it('404 for an unknown method on a known path', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/livez' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe(PROBLEM);
  });

  it('400 for malformed JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ type: '/problems/malformed-body', status: 400 });
  });

  it('400 for an empty JSON body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/malformed-body');
  });

  it('400 with one error per problem and its JSON path for a body failing its schema', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', tags: ['a', 'b', 'c', 'd'], extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.type).toBe('/problems/validation');
    const paths = body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['$', '$.name', '$.tags']);
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it('413 for a body over the limit', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x'.repeat(4096) } });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json().type).toBe('/problems/payload-too-large');
  });

  it('accepts a body just under the limit', async () => {
    const name = 'x'.repeat(2048 - '{"name":""}'.length);
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name } });
    expect(res.statusCode).toBe(201);
    expect(res.json().received.name).toBe(name);
  });

  it('415 for a content type the API does not take', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': type }, payload: 'name=x' });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().type).toBe('/problems/unsupported-media-type');
    }
  });

  it('500 for an unexpected error, without leaking its message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).not.toContain('secret internal detail');
    expect(res.json()).toMatchObject({ type: '/problems/internal', status: 500 });
  });
});

describe('security headers', () => {
  it('are on every response, errors included', async () => {
    for (const url of ['/livez', '/api/v1/nothing']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });
});

describe('security headers and the scheme of PUBLIC_URL', () => {
  const headersAt = async (app: TestApp) => {
    const res = await app.app.inject({ method: 'GET', url: '/livez' });
    return { csp: String(res.headers['content-security-policy']), hsts: res.headers['strict-transport-security'] };
  };

  it('issue 9 #19: over plain http (a LAN address) neither upgrade-insecure-requests nor HSTS', async () => {
    const lan = await createTestApp(infra, { role: 'gateway', env: { PUBLIC_URL: 'http://192.168.1.20:3000' } });
    try {
      for (const { csp, hsts } of [await headersAt(t), await headersAt(lan)]) {
        expect(csp).toContain("default-src 'self'");
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(hsts).toBeUndefined();
      }
    } finally {
      await lan.close();
    }
  });

  it('issue 9 #19: over https both', async () => {
    const secure = await createTestApp(infra, { role: 'gateway', env: { PUBLIC_URL: 'https://visapi.example.com' } });
    try {
      const { csp, hsts } = await headersAt(secure);
      expect(csp).toContain('upgrade-insecure-requests');
      expect(hsts).toMatch(/^max-age=\d+/);
    } finally {
      await secure.close();
    }
  });
});

describe('API docs', () => {
  it('serves an OpenAPI 3.1 document and the interactive page (to an API key here; auth.test covers the gate)', async () => {
    const { key } = await createKey(t, ['read_runs']);
    const doc = await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json', headers: { 'x-api-key': key } });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().openapi).toBe('3.1.0');
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/livez', '/healthz', '/api/v1/api-keys', '/api/v1/logs', '/docs/runbooks/{file}']));
    const page = await t.app.inject({ method: 'GET', url: '/api/docs', headers: { 'x-api-key': key } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});

describe('the process log', () => {
  it('issue 9 #6: never records a query string (magic-link tokens, log searches), on any path', async () => {
    const lines: string[] = [];
    const logged = await createTestApp(infra, { role: 'gateway', imports: [ProbeModule], logTo: { write: (line: string) => void lines.push(line) } });
    try {
      const { key } = await createKey(logged, ['read_logs']);
      const requests = [
        { method: 'GET', url: '/auth/callback?token=TOKEN_A_live_magic_link', headers: { accept: 'text/html' } },
        { method: 'GET', url: '/api/v1/logs?q=dana.secret%40example.com', headers: { 'x-api-key': key } },
        { method: 'GET', url: '/api/v1/logs?q=dana.secret%40example.com' },
        { method: 'GET', url: '/test/boom?token=TOKEN_B' },
        { method: 'POST', url: '/test/echo?token=TOKEN_C', payload: '{"name":', headers: { 'content-type': 'application/json' } },
        { method: 'GET', url: '/api/v1/nothing?token=TOKEN_D' },
        { method: 'GET', url: '/api/docs?token=TOKEN_E', headers: { accept: 'text/html' } },
      ] as const;
      for (const request of requests) await logged.app.inject(request);
      // Fastify's own error paths log the request through its `req` serializer: ours replaces it.
      logged.app.getHttpAdapter().getInstance().log.warn({ req: { method: 'GET', url: '/x?token=TOKEN_F' } }, 'fastify');
      const log = lines.join('');
      expect(log).toContain('"/auth/callback"');
      expect(log).toContain('"/api/v1/logs"');
      expect(log).toContain('"req":{"method":"GET","path":"/x"}');
      expect(log).not.toMatch(/TOKEN_|dana\.secret|\?q=|\?token=/);
    } finally {
      await logged.close();
    }
  });
});
