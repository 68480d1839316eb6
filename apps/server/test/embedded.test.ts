import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config/config';
import { REDIS_MISSING_MESSAGE } from '../src/platform/embedded/embedded-redis';
import { provideInfrastructure } from '../src/platform/embedded/infrastructure';
import { isAlive, stopProcess } from '../src/platform/embedded/process-utils';
import { startEmbeddedRedis } from '../src/platform/embedded/embedded-redis';
import { checkRedisDurability } from '../src/platform/redis/durability';

const logger = pino({ level: 'silent' });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-embedded-'));
fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
const config = loadConfig({ VISAPI_DATA_DIR: dataDir });

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const runtime = () => JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8'));

describe('embedded PostgreSQL and redis-server', () => {
  it('starts both when no URL is set, lets a second process join, and stops them when the last leaves', async () => {
    const first = await provideInfrastructure(config, logger);
    expect(first.embedded).toEqual({ postgres: true, redis: true });
    await query(first.databaseUrl, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$hello$$)'.replaceAll('$$', "'"));
    const redis = new Redis(first.redisUrl);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    await redis.set('k', 'v');
    redis.disconnect();

    const second = await provideInfrastructure(config, logger); // same process here; another pid in real life
    expect(second.databaseUrl).toBe(first.databaseUrl);
    expect(second.redisUrl).toBe(first.redisUrl);

    const { postgres, redis: redisEntry } = runtime();
    await first.release();
    await second.release();
    expect(isAlive(postgres.pid)).toBe(false);
    expect(isAlive(redisEntry.pid)).toBe(false);
    expect(runtime()).toEqual({});

    // A restart keeps the data of the first run.
    const third = await provideInfrastructure(config, logger);
    try {
      expect(await query(third.databaseUrl, 'SELECT v FROM kept')).toEqual([{ v: 'hello' }]);
      const again = new Redis(third.redisUrl);
      expect(await again.get('k')).toBe('v');
      again.disconnect();
    } finally {
      await third.release();
    }
  });

  it('uses the given URLs and starts nothing when both are set', async () => {
    const infra = await provideInfrastructure(
      loadConfig({ VISAPI_DATA_DIR: dataDir, DATABASE_URL: 'postgres://x@db:5432/x', REDIS_URL: 'redis://cache:6379' }),
      logger,
    );
    expect(infra).toMatchObject({ databaseUrl: 'postgres://x@db:5432/x', redisUrl: 'redis://cache:6379', embedded: { postgres: false, redis: false } });
  });

  it('names what to install when redis-server is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(
        provideInfrastructure(loadConfig({ VISAPI_DATA_DIR: dataDir, DATABASE_URL: 'postgres://x@db/x' }), logger),
      ).rejects.toThrow(REDIS_MISSING_MESSAGE);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('checkRedisDurability', () => {
  it('is quiet on a durable Redis and names each setting that is not', async () => {
    const handle = await startEmbeddedRedis(fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-redis-')));
    const lines: Array<{ level: number; msg: string }> = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const client = new Redis(handle.url);
    try {
      await checkRedisDurability(client, capture);
      expect(lines).toEqual([]);
      await client.config('SET', 'appendonly', 'no');
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await checkRedisDurability(client, capture);
      expect(lines.map((l) => l.msg)).toEqual([
        expect.stringContaining('Set "appendonly yes"'),
        expect.stringContaining('Set "maxmemory-policy noeviction"'),
      ]);
    } finally {
      client.disconnect();
      await stopProcess(handle.pid, 'SIGTERM');
    }
  });
});
