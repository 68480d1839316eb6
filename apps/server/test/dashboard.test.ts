import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('serves built files, hashed assets cached for a year', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers 404 problems for API paths and non-HTML requests, never index.html', async () => {
    for (const [url, headers] of [
      ['/api/v1/nothing', html],
      ['/api', html],
      ['/runs', { accept: 'application/json' }],
      ['/assets/missing.js', {}],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const res = await missing.app.inject({ method: 'GET', url: '/runs', headers: html });
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toContain('npm run build');
  });
});
