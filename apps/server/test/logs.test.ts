import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { LogWriter } from '../src/logs/log-writer';
import { createDatabase } from '../src/platform/db/database';
import { createKey, signIn } from './support/auth-helpers';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let reader: string;
const workflowA = randomUUID();
const workflowB = randomUUID();
const runA = randomUUID();
const actor = randomUUID();

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway' });
  await t.app.get(ApiKeysService).ready;
  reader = (await createKey(t, ['read_logs'], { rateLimit: { burst: 10_000, perSecond: 1000 } })).key;
  const logs = t.app.get(LogService);
  for (let i = 0; i < 30; i++) {
    logs.write({
      level: i % 10 === 0 ? 'error' : 'info',
      message: i % 3 === 0 ? `step notify attempt ${i} sent to +972541234567` : `run event ${i} 100%_done`,
      workflowId: i % 2 ? workflowA : workflowB,
      runId: i < 5 ? runA : null,
      jobId: i === 7 ? 'job-7' : null,
      actorId: i === 8 ? actor : null,
      payload: { i, applicant: { email: 'dana@example.com', passportNumber: 'A1234567' }, status: 'ok' },
    });
  }
  await logs.writer.flush();
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const get = (query: string, headers: Record<string, string> = { 'x-api-key': reader }) =>
  t.app.inject({ method: 'GET', url: `/api/v1/logs${query}`, headers });

async function all(query: string, limit = 7) {
  const items = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '?';
    const res = await get(`${query}${query ? '' : ''}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`.replace(/^&/, '?'));
    expect(res.statusCode, res.body).toBe(200);
    items.push(...res.json().items);
    cursor = res.json().nextCursor;
  } while (cursor);
  return items;
}

describe('GET /api/v1/logs', () => {
  it('pages through every row newest first without gaps or repeats', async () => {
    const items = await all(`?workflowId=${workflowA}`, 4);
    expect(items).toHaveLength(15);
    expect(items.map((r) => r.payload.i)).toEqual([29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1]);
  });

  it('stores rows redacted, flagged, with metadata intact', async () => {
    const res = await get(`?runId=${runA}&limit=1`);
    const [row] = res.json().items;
    expect(row).toMatchObject({ runId: runA, piiRedacted: true, level: 'info', payload: { status: 'ok', applicant: { email: 'd***@example.com', passportNumber: '[redacted]' } } });
    expect(res.body).not.toContain('dana@example.com');
    expect(res.body).not.toContain('A1234567');
    const phone = await get('?q=notify&limit=1');
    expect(phone.json().items[0].message).toMatch(/sent to \+972\*\*\*\*4567$/);
  });

  it.each([
    ['level=error', 3],
    [`runId=${runA}`, 5],
    ['jobId=job-7', 1],
    [`actorId=${actor}`, 1],
    ['q=NOTIFY', 10],
    ['q=100%25_done', 20],
    ['q=%25', 20],
  ])('filters by %s', async (query, count) => {
    expect(await all(`?${query}`)).toHaveLength(count);
  });

  it('keeps quotes, backslashes, braces, newlines and right-to-left text of a batch intact', async () => {
    const writer = t.app.get(LogService).writer;
    const marker = crypto.randomUUID();
    const tricky = { quote: 'say "hi"', slash: 'C:\\path\\', braces: '{a,b} {}', newline: 'a\nb', hebrew: 'שלום עולם', emoji: '🛂', nested: { list: [1, null, 'x'] } };
    for (let i = 0; i < 3; i++) writer.write({ level: 'warn', message: `tricky "${i}" {\\}`, runId: marker, payload: { i, ...tricky } });
    writer.write({ level: 'info', message: 'no payload', runId: marker, payload: null });
    await writer.flush();
    const rows = (await get(`?runId=${marker}&limit=10`)).json().items;
    expect(rows).toHaveLength(4);
    expect(rows.find((r: { message: string }) => r.message === 'tricky "2" {\\}').payload).toEqual({ i: 2, ...tricky });
    expect(rows.find((r: { message: string }) => r.message === 'no payload').payload).toBeNull();
  });

  it('filters by time range', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await all(`?from=${future}`)).toHaveLength(0);
    expect((await all(`?to=${future}&workflowId=${workflowB}`)).length).toBe(15);
  });

  it('sinceId: only rows newer than that id, newest first, paged and filtered as usual', async () => {
    const every = await all('', 50);
    const ids = every.map((r) => BigInt(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    const since = every[10]!.id;
    const newer = await all(`?sinceId=${since}`, 3);
    expect(newer.map((r) => r.id)).toEqual(every.slice(0, 10).map((r) => r.id));
    const newerOfA = await all(`?sinceId=${since}&workflowId=${workflowA}`, 2);
    expect(newerOfA.map((r) => r.id)).toEqual(every.slice(0, 10).filter((r) => r.workflowId === workflowA).map((r) => r.id));
    expect(newerOfA.length).toBeGreaterThan(0);
    expect(await all(`?sinceId=${every[0]!.id}`)).toEqual([]);
    expect(await all('?sinceId=0', 50)).toEqual(every);
    // Beyond bigint: nothing is newer (not a database error).
    expect(await all('?sinceId=9999999999999999999')).toEqual([]);
  });

  it.each([
    '?sinceId=abc',
    '?sinceId=-1',
    '?sinceId=1.5',
    '?sinceId=',
    '?sinceId=12345678901234567890',
    '?level=fatal',
    '?workflowId=abc',
    '?from=yesterday',
    '?limit=500',
    '?cursor=!!!',
    '?unknown=1',
    `?q=${'x'.repeat(201)}`,
  ])('refuses %s with 400', async (query) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation');
  });

  it('is open to viewers and to keys with read_logs only', async () => {
    const { cookie } = await signIn(t, 'viewer@example.com');
    expect((await get('?limit=1', { cookie })).statusCode).toBe(200);
    const other = await createKey(t, ['read_runs']);
    expect((await get('?limit=1', { 'x-api-key': other.key })).statusCode).toBe(403);
    expect((await get('?limit=1', {})).statusCode).toBe(401);
  });
});

describe('LogWriter', () => {
  it('buffers through a database outage and writes everything when it returns', async () => {
    const { proxy, url } = await TcpProxy.forUrl(infra.databaseUrl);
    const database = createDatabase(url, 2);
    const writer = new LogWriter(database, pino({ level: 'silent' }), { maxBuffered: 1000, batchSize: 10, flushIntervalMs: 20 });
    const marker = randomUUID();
    try {
      proxy.cut();
      for (let i = 0; i < 25; i++) writer.write({ level: 'info', message: `outage ${i}`, runId: marker });
      await writer.flush();
      expect(writer.buffered).toBe(25);
      expect(writer.stats.failedFlushes).toBeGreaterThan(0);
      proxy.restore();
      await expect.poll(() => writer.buffered, { timeout: 10_000 }).toBe(0);
      const rows = await t.runtime.database.db.selectFrom('logs').select('message').where('run_id', '=', marker).orderBy('id').execute();
      expect(rows.map((r) => r.message)).toEqual(Array.from({ length: 25 }, (_, i) => `outage ${i}`));
      expect(writer.stats.dropped).toBe(0);
    } finally {
      await writer.close(1_000);
      await database.close();
      await proxy.close();
    }
  });

  it('counts rows it cannot keep when the buffer is full, never blocking the caller', async () => {
    const { proxy, url } = await TcpProxy.forUrl(infra.databaseUrl);
    const database = createDatabase(url, 1);
    const writer = new LogWriter(database, pino({ level: 'silent' }), { maxBuffered: 100, batchSize: 50, flushIntervalMs: 20 });
    try {
      proxy.cut();
      const started = performance.now();
      for (let i = 0; i < 150; i++) writer.write({ level: 'info', message: `overflow ${i}` });
      expect(performance.now() - started).toBeLessThan(500);
      expect(writer.buffered).toBe(100);
      expect(writer.stats.dropped).toBe(50);
    } finally {
      proxy.restore();
      await writer.close(5_000);
      await database.close();
      await proxy.close();
    }
  });
});
