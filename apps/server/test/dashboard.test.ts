import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MagicLinksService } from '../src/auth/magic-links.service';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let missing: TestApp;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-dashboard-'));

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>VisAPI</title><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // The build's framed copies of index.html (apps/dashboard/vite.config.ts, pageFrames).
  fs.mkdirSync(path.join(dir, 'frames'));
  fs.writeFileSync(path.join(dir, 'frames', 'runs.html'), '<!doctype html><title>VisAPI</title><div id="root"><h2>Runs</h2></div>');
  fs.writeFileSync(path.join(dir, 'frames', 'routes.json'), JSON.stringify({ '/runs': 'frames/runs.html', '/logs': 'frames/missing.html' }));
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', env: { DASHBOARD_DIR: dir } });
  missing = await createTestApp(infra, { role: 'gateway', env: { DASHBOARD_DIR: path.join(dir, 'nope') } });
});
afterAll(async () => {
  await t?.close();
  await missing?.close();
  await infra?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('dashboard serving', () => {
  it('serves index.html at / and for client-side routes a browser reloads', async () => {
    for (const url of ['/', '/runs', '/runs/123?tab=steps', '/workflows/abc/versions']) {
      const res = await t.app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves a page that has a frame its framed copy of index.html, by exact path, query aside', async () => {
    for (const [url, framed] of [['/runs', true], ['/runs?status=failed', true], ['/runs/123', false], ['/RUNS', false], ['/', false], ['/logs', false]] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers: html });
      expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 200, expect.stringContaining('text/html')]);
      expect([url, res.body.includes('<h2>Runs</h2>')]).toEqual([url, framed]);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves index.html to any client whose Accept admits HTML: */*, text/*, or no Accept at all (curl, mail scanners)', async () => {
    for (const headers of [{ accept: '*/*' }, { accept: 'text/*' }, { accept: 'application/json;q=0.9, */*;q=0.1' }, {}]) {
      for (const url of ['/', '/runs', '/workflows/abc/versions']) {
        const res = await t.app.inject({ method: 'GET', url, headers });
        expect([url, headers, res.statusCode, res.headers['content-type']]).toEqual([url, headers, 200, expect.stringContaining('text/html')]);
        expect(res.body).toContain('<div id="root">');
      }
    }
  });

  it('opens the magic-link page for any GET without spending the token', async () => {
    const link = new URL(await t.app.get(MagicLinksService).createLink('scanned@example.com'));
    const url = `${link.pathname}${link.search}`;
    for (const headers of [{ accept: '*/*' }, {}, html, { accept: 'text/html' }]) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const verify = await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify', payload: { token: link.searchParams.get('token') } });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json().email).toBe('scanned@example.com');
  });

  it('serves built files, hashed assets cached for a year', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers problems for API and server paths whatever the Accept, and for requests that refuse HTML, never index.html', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/runs', { accept: 'application/json' }],
      ['/', { accept: 'application/json' }],
      ['/runs', { accept: 'application/problem+json, application/json' }],
      ['/runs', { accept: 'text/html;q=0, */*' }],
      ['/runs', { accept: '*/*;q=0' }],
    ];
    for (const url of ['/api/v1/nothing', '/api', '/API/v1/nothing', '/%61pi/v1/nothing', '//api/v1/nothing', '/metrics/nothing', '/livez/x', '/healthz/x', '/readyz/x', '/assets/missing.js']) {
      for (const headers of [html, { accept: '*/*' }, {}]) cases.push([url, headers]);
    }
    for (const [url, headers] of cases) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect([url, headers, res.statusCode, res.headers['content-type']]).toEqual([url, headers, 404, expect.stringContaining('application/problem+json')]);
    }
    // Stored files' downloads are the files route's: an unsigned link is refused, never the SPA.
    for (const headers of [html, { accept: '*/*' }, {}]) {
      const res = await t.app.inject({ method: 'GET', url: '/files/report.pdf', headers });
      expect([headers, res.statusCode, res.headers['content-type']]).toEqual([headers, 403, expect.stringContaining('application/problem+json')]);
    }
  });

  it('serves the repository\'s runbooks read-only, without a session, as Markdown (the refund problem\'s and the alerts\' links)', async () => {
    const runbooks = path.resolve(__dirname, '../../../docs/runbooks');
    const names = fs.readdirSync(runbooks).filter((f) => f.endsWith('.md'));
    expect(names).toContain('stripe-refund-failure.md');
    for (const name of names) {
      for (const headers of [html, { accept: '*/*' }, {}]) {
        const res = await t.app.inject({ method: 'GET', url: `/docs/runbooks/${name}`, headers });
        expect([name, res.statusCode, res.headers['content-type']]).toEqual([name, 200, 'text/markdown; charset=utf-8']);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.body).toBe(fs.readFileSync(path.join(runbooks, name), 'utf8'));
      }
    }
  });

  it('answers a 404 problem, never index.html, for a runbook name that is unknown or not [a-z0-9-].md', async () => {
    const urls = [
      '/docs/runbooks/nope.md',
      '/docs/runbooks/Stripe-Refund-Failure.md',
      '/docs/runbooks/stripe-refund-failure',
      '/docs/runbooks/stripe-refund-failure.md.bak',
      '/docs/runbooks/index.md.md',
      '/docs/runbooks/..%2F..%2Fpackage.json',
      '/docs/runbooks/..%2Fsecurity.md',
      '/docs/runbooks/a.b.md',
      '/docs/runbooks/',
      '/docs/runbooks',
      '/docs/runbooks/x/stripe-refund-failure.md',
    ];
    for (const url of urls) {
      for (const headers of [html, {}]) {
        const res = await t.app.inject({ method: 'GET', url, headers });
        expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 404, expect.stringContaining('application/problem+json')]);
      }
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const res = await missing.app.inject({ method: 'GET', url: '/runs', headers: html });
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toContain('npm run build');
  });
});
