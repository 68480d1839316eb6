import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, stopProcess } from '../src/platform/embedded/process-utils';
import { spawnVisapi, type VisapiProcess, waitForHealthy } from './support/processes';

/**
 * Issue 16: `npm start` (the built server, embedded PostgreSQL and redis-server under
 * VISAPI_DATA_DIR) killed with SIGKILL. Its servers run outside its process group and would
 * stay as orphans: the folder's watchdog stops them once no VisAPI process of the folder is
 * alive, and the next start — after the watchdog, or before it, adopting them — works with
 * the data intact.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-crash-'));
fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
const running: VisapiProcess[] = [];

interface Runtime {
  postgres?: { pid: number; url: string };
  redis?: { pid: number; url: string };
  watchdog?: number;
}
const runtime = (): Runtime => JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as Runtime;

afterAll(async () => {
  for (const proc of running) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  // Whatever a failed run left: stop it (the watchdog would, within a second or so).
  const left = fs.existsSync(path.join(dataDir, 'runtime.json')) ? runtime() : {};
  for (const pid of [left.watchdog, left.redis?.pid, left.postgres?.pid]) if (pid) await stopProcess(pid, 'SIGKILL', 1_000);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<VisapiProcess> {
  const port = await freePort();
  const proc = spawnVisapi([], { VISAPI_DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: '0' });
  running.push(proc);
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc, 120_000);
  return proc;
}

async function kill(proc: VisapiProcess) {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

describe('a VisAPI process killed with SIGKILL', () => {
  it('leaves no orphan: the watchdog stops its PostgreSQL and redis-server; the next start finds the data', async () => {
    const first = await start();
    const servers = runtime();
    expect([servers.postgres?.pid, servers.redis?.pid, servers.watchdog].every((pid) => pid && isAlive(pid))).toBe(true);
    await query(servers.postgres!.url, "CREATE TABLE crash_kept (v text); INSERT INTO crash_kept VALUES ('before the crash')");
    await withRedis(servers.redis!.url, (redis) => redis.set('crash:kept', 'yes'));

    await kill(first);
    // Bounded: the watchdog looks every second and stops each server cleanly.
    await expect.poll(() => [servers.postgres!.pid, servers.redis!.pid, servers.watchdog!].filter(isAlive), { timeout: 30_000, interval: 200 }).toEqual([]);
    expect(runtime()).toEqual({});

    const second = await start();
    const again = runtime();
    expect(again.postgres!.pid).not.toBe(servers.postgres!.pid);
    expect(await query(again.postgres!.url, 'SELECT v FROM crash_kept')).toEqual([{ v: 'before the crash' }]);
    expect(await withRedis(again.redis!.url, (redis) => redis.get('crash:kept'))).toBe('yes');

    // Killed again and restarted at once: the servers still running are adopted (or, if the
    // watchdog was first, started anew) — either way the start works on the same data.
    await kill(second);
    const third = await start();
    expect(await query(runtime().postgres!.url, 'SELECT v FROM crash_kept')).toEqual([{ v: 'before the crash' }]);

    // A clean stop leaves nothing either.
    const last = runtime();
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    await expect.poll(() => [last.postgres!.pid, last.redis!.pid, last.watchdog!].filter(isAlive), { timeout: 30_000, interval: 200 }).toEqual([]);
    expect(runtime()).toEqual({});
  }, 300_000);
});
