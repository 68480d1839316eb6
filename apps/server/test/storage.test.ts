import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../src/logs/redaction';
import { ConfigError, loadConfig } from '../src/platform/config/config';
import { Retention } from '../src/retention/retention';
import type { FileStore } from '../src/storage/file-store';
import { LocalStorage } from '../src/storage/local-storage';
import { S3Storage } from '../src/storage/s3-storage';
import { FileLinkSigner } from '../src/storage/signed-url';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './support/s3-server';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

const DAY = 86_400_000;
const SIGNING_KEY = 'test-signing-key-0123456789abcdefghijklmnop';
const PUBLIC_URL = 'http://localhost:3000';
const HEBREW_NAME = 'מכתב.pdf';
const PDF = Buffer.from('%PDF-1.7\n% not really a PDF, but bytes to compare\n%%EOF\n');

let infra: TestInfra;
let s3: S3Server;
let dataDir: string;
let local: TestApp;
let s3App: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  [infra, s3, dataDir] = await Promise.all([createTestInfra(), startS3Server(), fs.mkdtemp(path.join(os.tmpdir(), 'visapi-storage-test-'))]);
  const logTo = new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) });
  const common = { VISAPI_DATA_DIR: dataDir, PUBLIC_URL, FILE_SIGNING_KEY: SIGNING_KEY, IP_RATE_LIMIT_BURST: '100000', FILE_RETENTION_DAYS: '30' };
  local = await createTestApp(infra, { role: 'all', env: { ...common, STORAGE_DIR: path.join(dataDir, 'files') }, logTo });
  s3App = await createTestApp(infra, { role: 'gateway', env: { ...common, ...s3.env } });
});
afterAll(async () => {
  await local?.close();
  await s3App?.close();
  await s3?.close();
  await infra?.cleanup();
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A local link is served by the gateway (through the app), an s3 one by the S3 server. */
async function open(url: string): Promise<Fetched> {
  if (url.startsWith(PUBLIC_URL)) {
    const res = await local.app.inject({ method: 'GET', url: url.slice(PUBLIC_URL.length) });
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.rawPayload };
  }
  const res = await fetch(url);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
}

const drivers: Record<'local' | 's3', (now?: () => Date) => FileStore> = {
  local: (now) => new LocalStorage(path.join(dataDir, 'files'), PUBLIC_URL, new FileLinkSigner(SIGNING_KEY), now),
  s3: (now) => new S3Storage({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, ...S3RVER_CREDENTIALS }, now),
};

/** Another character of the same kind (digit for digit, letter for letter), so only the value changes. */
function flipped(c: string): string {
  if (/\d/.test(c)) return String((Number(c) + 1) % 10);
  if (/[a-y]/i.test(c)) return String.fromCharCode(c.charCodeAt(0) + 1);
  if (/z/i.test(c)) return String.fromCharCode(c.charCodeAt(0) - 1);
  return { '-': '_', _: '-', '/': '_', '.': '_', '%': '_' }[c] ?? 'a';
}

/** Every variant of the URL with one character of its path or of the named query values changed. */
function tampered(url: string, params: string[]): string[] {
  const u = new URL(url);
  const variants: string[] = [];
  const keyStart = u.pathname.indexOf('/', 1) + 1; // after /files/ or /<bucket>/
  for (let i = keyStart; i < u.pathname.length; i++) {
    const v = new URL(url);
    v.pathname = u.pathname.slice(0, i) + flipped(u.pathname[i]!) + u.pathname.slice(i + 1);
    variants.push(v.toString());
  }
  for (const name of params) {
    const value = u.searchParams.get(name)!;
    for (let i = 0; i < value.length; i++) {
      const v = new URL(url);
      v.searchParams.set(name, value.slice(0, i) + flipped(value[i]!) + value.slice(i + 1));
      variants.push(v.toString());
    }
  }
  return variants;
}

describe.each(['local', 's3'] as const)('the %s driver', (driver) => {
  let store: FileStore;
  beforeAll(() => {
    store = drivers[driver]();
  });

  it('puts, gets, states and deletes a file under a day-prefixed key', async () => {
    const { key, bytes } = await store.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    expect(key).toMatch(new RegExp(`^pdf/${new Date().toISOString().slice(0, 10)}/[0-9a-f-]{36}\\.pdf$`));
    expect(bytes).toBe(PDF.length);
    expect(await store.get(key)).toEqual({ body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    expect(await store.stat(key)).toMatchObject({ contentType: 'application/pdf', filename: HEBREW_NAME, bytes: PDF.length });
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.stat(key)).toBeUndefined();
    await store.delete(key); // idempotent
    for (const bad of ['../../etc/passwd', 'pdf/2026-11-30/../../x.pdf', '', 'pdf/2026-11-30/not-a-uuid.pdf']) {
      expect(await store.get(bad)).toBeUndefined();
      await expect(store.signedUrl(bad, 60_000)).rejects.toThrow(/not a storage key/);
    }
    await expect(store.put({ prefix: '../up', body: PDF, contentType: 'application/pdf', filename: 'x.pdf' })).rejects.toThrow(/prefix/);
  });

  it('serves a signed link while it is valid: the bytes, their type, and the filename as an attachment', async () => {
    const { key } = await store.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    const before = Date.now();
    const { url, expiresAt } = await store.signedUrl(key, DAY);
    expect(expiresAt.getTime()).toBeGreaterThan(before + DAY - 2_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(before + DAY + 1_000);
    const res = await open(url);
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.body.equals(PDF)).toBe(true);
    expect(res.headers['content-type']).toBe('application/pdf');
    const disposition = res.headers['content-disposition']!;
    expect(disposition).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(HEBREW_NAME);
    if (driver === 'local') {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/^sandbox/);
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers['cache-control']!)?.[1]);
      expect(maxAge).toBeGreaterThan(DAY / 1000 - 5);
      expect(maxAge).toBeLessThanOrEqual(DAY / 1000);
    }
  });

  it('refuses a link past its expiry with 403', async () => {
    const { key } = await store.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'late.pdf' });
    // Signed an hour ago for one minute: expired without waiting.
    const { url, expiresAt } = await drivers[driver](() => new Date(Date.now() - 3_600_000)).signedUrl(key, 60_000);
    expect(expiresAt.getTime()).toBeLessThan(Date.now());
    const res = await open(url);
    expect(res.status).toBe(403);
    if (driver === 'local') expect(JSON.parse(res.body.toString())).toMatchObject({ type: '/problems/forbidden', detail: 'This download link has expired.' });
    expect((await open((await store.signedUrl(key, 60_000)).url)).status).toBe(200);
  });

  it('refuses with 403 a link with any character of its key, expiry or signature changed', async () => {
    const { key } = await store.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    const { url } = await store.signedUrl(key, DAY);
    const statusesOf = async (variants: string[]) => {
      const statuses: Record<number, number> = {};
      for (const variant of variants) {
        const { status } = await open(variant);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      return statuses;
    };
    if (driver === 'local') {
      const variants = tampered(url, ['expires', 'signature']);
      expect(variants.length).toBeGreaterThan(90);
      expect(await statusesOf(variants)).toEqual({ 403: variants.length });
    } else {
      // s3rver 3.7 does not compute SigV4 signatures ("Signature version 4 calculation is
      // unimplemented"): a changed key or signature is S3's to refuse, not testable here. What
      // it does check: the access key named in X-Amz-Credential, and X-Amz-Date + X-Amz-Expires.
      const credential = new URL(url).searchParams.get('X-Amz-Credential')!;
      const unknownKey = new URL(url);
      unknownKey.searchParams.set('X-Amz-Credential', credential.replace(/^[^/]+/, 'S3RVES'));
      const movedBack = new URL(url);
      movedBack.searchParams.set('X-Amz-Date', movedBack.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})/, (y) => String(Number(y) - 1)));
      const shortened = new URL(url);
      shortened.searchParams.set('X-Amz-Expires', '1');
      shortened.searchParams.set('X-Amz-Date', shortened.searchParams.get('X-Amz-Date')!.replace(/^(\d{8})/, '20200101'));
      expect(await statusesOf([unknownKey, movedBack, shortened].map(String))).toEqual({ 403: 3 });
    }
    expect((await open(url)).status).toBe(200);
  });

  it('the lifecycle deletes files stored before the cut-off and keeps newer ones', async () => {
    const now = new Date();
    const old = await drivers[driver](() => new Date(now.getTime() - 40 * DAY)).put({ prefix: 'img', body: PDF, contentType: 'image/png', filename: 'old.png' });
    const fresh = await store.put({ prefix: 'img', body: PDF, contentType: 'image/png', filename: 'new.png' });
    expect(await store.deleteStoredBefore(new Date(now.getTime() - 30 * DAY))).toBeGreaterThanOrEqual(1);
    expect(await store.get(old.key)).toBeUndefined();
    expect(await store.get(fresh.key)).toMatchObject({ filename: 'new.png' });
    expect(await store.deleteStoredBefore(new Date(now.getTime() - 30 * DAY))).toBe(0);
  });
});

describe('the gateway: GET /files/{key} and POST /api/v1/files/links', () => {
  const store = () => drivers.local();
  const link = (payload: unknown, headers: Record<string, string>, app = local) =>
    app.app.inject({ method: 'POST', url: '/api/v1/files/links', payload: payload as object, headers });

  it('mints a 5-minute link for a signed-in reader of any role, and for an API key with read_runs', async () => {
    const { key } = await store().put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    const { cookie } = await signIn(local, 'viewer@example.com', 'viewer');
    const before = Date.now();
    const res = await link({ key }, sessionHeaders(cookie));
    expect(res.statusCode, res.body).toBe(201);
    const { url, expiresAt } = res.json();
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/files/${key}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(expiresAt) - before).toBeGreaterThan(295_000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(301_000);
    const file = await open(url);
    expect(file.status).toBe(200);
    expect(file.body.equals(PDF)).toBe(true);
    expect(Number(/max-age=(\d+)/.exec(file.headers['cache-control']!)![1])).toBeLessThanOrEqual(300);

    const reader = await createKey(local, ['read_runs']);
    expect((await link({ key }, { 'x-api-key': reader.key })).statusCode).toBe(201);
    const writer = await createKey(local, ['trigger']);
    expect((await link({ key }, { 'x-api-key': writer.key })).statusCode).toBe(403);
    expect((await link({ key }, {})).statusCode).toBe(401);
  });

  it('answers 404 for a key that is not a storage key or not stored, 400 for a bad body', async () => {
    const reader = await createKey(local, ['read_runs']);
    const headers = { 'x-api-key': reader.key };
    for (const key of ['../../etc/passwd', 'pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf', 'file-signing.key']) {
      const res = await link({ key }, headers);
      expect([key, res.statusCode, String(res.headers['content-type']).split(';')[0]]).toEqual([key, 404, 'application/problem+json']);
    }
    for (const body of [{}, { key: 5 }, { key: '' }, { key: 'pdf/x', extra: 1 }, []]) {
      const res = await link(body, headers);
      expect([body, res.statusCode]).toEqual([body, 400]);
    }
  });

  it('answers 404 problem+json for a valid link whose file is gone, 403 without a signature', async () => {
    const s = store();
    const { key } = await s.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'gone.pdf' });
    const { url } = await s.signedUrl(key, 60_000);
    await s.delete(key);
    const gone = await open(url);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body.toString())).toMatchObject({ type: '/problems/not-found' });
    for (const bare of [`/files/${key}`, `/files/${key}?expires=1`, '/files/', '/files/nothing', `/files/${key}?expires=99999999999&signature=x`]) {
      const res = await local.app.inject({ method: 'GET', url: bare });
      expect([bare, res.statusCode, String(res.headers['content-type']).split(';')[0]]).toEqual([bare, 403, 'application/problem+json']);
    }
    // A browser asking for a page gets the problem, never the dashboard.
    const browser = await local.app.inject({ method: 'GET', url: `/files/${key}?expires=1&signature=x`, headers: { accept: 'text/html' } });
    expect([browser.statusCode, String(browser.headers['content-type']).split(';')[0]]).toEqual([403, 'application/problem+json']);
    const doubled = new URL(url);
    doubled.searchParams.append('signature', doubled.searchParams.get('signature')!);
    expect((await open(doubled.toString())).status).toBe(403);
  });

  it('has a generous per-IP bucket of its own: the sign-in limit does not apply, FILE_DOWNLOAD_RATE_LIMIT_* does (429 with Retry-After)', async () => {
    const env = { VISAPI_DATA_DIR: dataDir, FILE_SIGNING_KEY: SIGNING_KEY, IP_RATE_LIMIT_BURST: '2', IP_RATE_LIMIT_PER_SECOND: '0.01' };
    const s = store();
    const { key } = await s.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'x.pdf' });
    const { url } = await s.signedUrl(key, 60_000);
    const path = new URL(url).pathname + new URL(url).search;
    const signInLimited = await createTestApp(infra, { role: 'gateway', env });
    try {
      for (let i = 0; i < 5; i++) expect((await signInLimited.app.inject({ method: 'GET', url: path, remoteAddress: '10.9.9.9' })).statusCode).toBe(200);
    } finally {
      await signInLimited.close();
    }
    const limited = await createTestApp(infra, { role: 'gateway', env: { ...env, FILE_DOWNLOAD_RATE_LIMIT_BURST: '3', FILE_DOWNLOAD_RATE_LIMIT_PER_SECOND: '0.01' } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await limited.app.inject({ method: 'GET', url: path, remoteAddress: '10.9.9.8' }));
      expect(statuses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
      expect(Number(statuses[3]!.headers['retry-after'])).toBeGreaterThan(0);
      expect(String(statuses[3]!.headers['content-type']).split(';')[0]).toBe('application/problem+json');
      // Another address has its own bucket.
      expect((await limited.app.inject({ method: 'GET', url: path, remoteAddress: '10.9.9.7' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('streams the file: Content-Length from the file opened, the body its bytes', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const s = store();
    const { key } = await s.put({ prefix: 'img', body: big, contentType: 'image/png', filename: 'big.png' });
    const opened = await s.openStream(key);
    expect(opened && [opened.bytes, typeof opened.body.pipe]).toEqual([big.length, 'function']);
    opened!.body.destroy();
    expect(await s.openStream(key.replace(/[0-9a-f]{8}/, '00000000'))).toBeUndefined();
    const res = await open((await s.signedUrl(key, 60_000)).url);
    expect([res.status, res.headers['content-length'], res.body.equals(big)]).toEqual([200, String(big.length), true]);
  });

  it('never logs a link’s signature', async () => {
    const s = store();
    const { key } = await s.put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'x.pdf' });
    const { url } = await s.signedUrl(key, 60_000);
    const signature = new URL(url).searchParams.get('signature')!;
    expect((await open(url)).status).toBe(200);
    const reader = await createKey(local, ['read_runs']);
    const minted = (await link({ key }, { 'x-api-key': reader.key })).json().url as string;
    const logged = logLines.join('');
    expect(logged).toContain(`/files/${key}`);
    expect(logged).not.toContain(signature);
    expect(logged).not.toContain(new URL(minted).searchParams.get('signature')!);
  });

  it('with STORAGE_DRIVER=s3 the link is S3’s own presigned URL and the gateway serves no file', async () => {
    const { key } = await drivers.s3().put({ prefix: 'img', body: PDF, contentType: 'image/png', filename: 'photo.png' });
    const { cookie } = await signIn(s3App, 'ops@example.com', 'operator');
    const res = await link({ key }, sessionHeaders(cookie), s3App);
    expect(res.statusCode, res.body).toBe(201);
    const { url } = res.json();
    expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/${key}?`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('300');
    const file = await open(url);
    expect([file.status, file.headers['content-type'], file.headers['content-disposition']]).toEqual([200, 'image/png', 'attachment; filename="photo.png"']);
    expect((await link({ key: key.replace(/[0-9a-f]{8}/, '00000000') }, sessionHeaders(cookie), s3App)).statusCode).toBe(404);
    const local404 = await s3App.app.inject({ method: 'GET', url: `/files/${key}?expires=99999999999&signature=x` });
    expect(local404.statusCode).toBe(404);
  });
});

describe('lifecycle, configuration and redaction', () => {
  it('the retention job deletes files older than FILE_RETENTION_DAYS and counts them', async () => {
    const now = new Date();
    const old = await drivers.local(() => new Date(now.getTime() - 31 * DAY)).put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'old.pdf' });
    const kept = await drivers.local(() => new Date(now.getTime() - 29 * DAY)).put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: 'kept.pdf' });
    const pruned = await local.app.get(Retention).prune(now);
    expect(pruned.files).toBeGreaterThanOrEqual(1);
    expect(await drivers.local().get(old.key)).toBeUndefined();
    expect(await drivers.local().get(kept.key)).toMatchObject({ filename: 'kept.pdf' });
    expect((await local.app.get(Retention).prune(now)).files).toBe(0);
  });

  it('the local lifecycle cuts within the boundary day by the time stored', async () => {
    const store = drivers.local;
    const cutoff = new Date(Date.UTC(2026, 0, 10, 12));
    const earlier = await store(() => new Date(Date.UTC(2026, 0, 10, 11))).put({ prefix: 'edge', body: PDF, contentType: 'application/pdf', filename: 'a.pdf' });
    const later = await store(() => new Date(Date.UTC(2026, 0, 10, 13))).put({ prefix: 'edge', body: PDF, contentType: 'application/pdf', filename: 'b.pdf' });
    expect(await store().deleteStoredBefore(cutoff)).toBe(1);
    expect(await store().get(earlier.key)).toBeUndefined();
    expect(await store().get(later.key)).toBeDefined();
  });

  it('the local lifecycle removes the .tmp files a crash left in past days and counts only files it deleted', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'visapi-lifecycle-'));
    try {
      const at = (day: string) => () => new Date(`${day}T10:00:00Z`);
      const store = (now?: () => Date) => new LocalStorage(dir, PUBLIC_URL, new FileLinkSigner(SIGNING_KEY), now);
      const real = await store(at('2025-03-01')).put({ prefix: 'crash', body: PDF, contentType: 'application/pdf', filename: 'a.pdf' });
      const write = async (relative: string) => {
        await fs.mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
        await fs.writeFile(path.join(dir, relative), 'half');
      };
      await write(`${real.key}.4242.tmp`);
      await write('crash/2025-03-02/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf.4242.tmp');
      await write('crash/2025-03-03/stray.txt');
      await write('crash/2025-03-05/3f2504e0-4f89-41d3-9a0c-0305e82c3302.pdf.4242.tmp');
      expect(await store().deleteStoredBefore(new Date('2025-03-05T12:00:00Z'))).toBe(1);
      expect((await fs.readdir(path.join(dir, 'crash'))).sort()).toEqual(['2025-03-03', '2025-03-05']);
      expect(await fs.readdir(path.join(dir, 'crash/2025-03-05'))).toHaveLength(1); // the boundary day: a write may be under way
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an expiry spelled with leading zeros: one expiry, one spelling', () => {
    const signer = new FileLinkSigner(SIGNING_KEY);
    const key = 'pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf';
    const { expires, signature } = signer.sign(key, new Date(Date.now() + DAY));
    expect(signer.verify(key, String(expires), signature)).toBe('valid');
    for (const spelled of [`0${expires}`, `000${expires}`, '0']) expect(signer.verify(key, spelled, signature)).toBe('invalid');
  });

  it('refuses to boot with STORAGE_DRIVER=s3 and no bucket, or half the credentials, in one line', () => {
    const base = { NODE_ENV: 'test', STORAGE_DRIVER: 's3' };
    expect(() => loadConfig(base)).toThrow(new ConfigError('Invalid configuration: S3_BUCKET is required when STORAGE_DRIVER=s3'));
    expect(() => loadConfig({ ...base, S3_BUCKET: 'b-1', S3_ACCESS_KEY_ID: 'AKIA' })).toThrow(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
    expect(loadConfig({ ...base, S3_BUCKET: 'b-1' }).S3_BUCKET).toBe('b-1');
  });

  it('step outputs show the key, never a link’s signature or S3 credential', async () => {
    const localLink = await drivers.local().signedUrl('pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf', DAY);
    const { key } = await drivers.s3().put({ prefix: 'pdf', body: PDF, contentType: 'application/pdf', filename: HEBREW_NAME });
    const s3Link = await drivers.s3().signedUrl(key, DAY);
    for (const { url } of [localLink, s3Link]) {
      const output = { url, key, bytes: 10, pages: 1, expiresAt: '2026-12-01T00:00:00.000Z' };
      const shown = redact(output) as typeof output;
      expect({ ...shown, url: undefined }).toEqual({ ...output, url: undefined });
      const u = new URL(url);
      const secrets = ['signature', 'X-Amz-Signature', 'X-Amz-Credential'].map((p) => u.searchParams.get(p)).filter((v): v is string => v !== null);
      expect(secrets.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        expect(shown.url).not.toContain(secret);
        expect(shown.url).not.toContain(encodeURIComponent(secret));
      }
      expect(shown.url).toContain('[redacted]');
      expect(shown.url.startsWith(url.slice(0, url.indexOf('?')))).toBe(true);
    }
  });
});
