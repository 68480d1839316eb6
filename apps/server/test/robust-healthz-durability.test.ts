import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServer, stopProcess } from '../src/platform/embedded/process-utils';
import { createTestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Issue 16 / SPEC §1: `/healthz` names what in Redis's configuration puts queued jobs at risk
 * (as the boot log does), without failing readiness. Each case on a private redis-server of
 * its own, started with the settings under test.
 */
const dirs: string[] = [];
const pids: number[] = [];
let infra: TestInfra | undefined;

afterAll(async () => {
  await Promise.all(pids.map((pid) => stopProcess(pid, 'SIGTERM')));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  await infra?.cleanup();
});

async function privateRedis(settings: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-healthz-redis-'));
  dirs.push(dir);
  const port = await freePort();
  const child = await startServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...settings], {
    port,
    logFile: path.join(dir, 'redis.log'),
    name: 'redis-server',
  });
  pids.push(child.pid!);
  return `redis://127.0.0.1:${port}`;
}

async function healthzOn(redisUrl: string) {
  infra ??= await createTestInfra();
  const t = await createTestApp({ ...infra, redisUrl }, { role: 'gateway' });
  try {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    return { statusCode: res.statusCode, body: res.json() };
  } finally {
    await t.close();
  }
}

describe('GET /healthz and Redis durability', () => {
  it('names maxmemory-policy allkeys-lru (and appendonly no) in warnings, and stays 200 ok', async () => {
    const res = await healthzOn(await privateRedis(['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no']));
    expect(res.statusCode).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.redis.status).toBe('up');
    expect(res.body.warnings).toEqual([
      { check: 'redis', setting: 'appendonly', value: 'no', message: expect.stringContaining('Set "appendonly yes"') },
      { check: 'redis', setting: 'maxmemory-policy', value: 'allkeys-lru', message: expect.stringContaining('Set "maxmemory-policy noeviction"') },
    ]);
  });

  it('names only the eviction policy when the append-only file is on', async () => {
    const res = await healthzOn(await privateRedis(['--maxmemory-policy', 'volatile-ttl', '--appendonly', 'yes']));
    expect(res.body.warnings).toEqual([{ check: 'redis', setting: 'maxmemory-policy', value: 'volatile-ttl', message: expect.any(String) }]);
  });

  it('has no warnings on a Redis configured as the queue needs it', async () => {
    const res = await healthzOn(await privateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes']));
    expect([res.statusCode, res.body.warnings]).toEqual([200, []]);
  });

  it('concurrent probes share one reading (CONFIG GET counted on the private Redis)', async () => {
    const url = await privateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes']);
    const observer = new Redis(url);
    const configCalls = async () => {
      const stats = await observer.info('commandstats');
      return [...stats.matchAll(/^cmdstat_config(?:\|get)?:calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    infra ??= await createTestInfra();
    const t = await createTestApp({ ...infra, redisUrl: url }, { role: 'gateway' });
    try {
      const before = await configCalls();
      const answers = await Promise.all(Array.from({ length: 10 }, () => t.app.inject({ method: 'GET', url: '/healthz' })));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
      expect((await configCalls()) - before).toBe(2); // one reading: appendonly and maxmemory-policy (20 before: one reading per probe)
      await t.app.inject({ method: 'GET', url: '/healthz' });
      expect((await configCalls()) - before).toBe(2); // and none again within the minute
    } finally {
      await t.close();
      observer.disconnect();
    }
  });

  it('says so when CONFIG is refused (as managed Redis services may), without failing readiness', async () => {
    const res = await healthzOn(await privateRedis(['--rename-command', 'CONFIG', '""', '--appendonly', 'yes']));
    expect(res.statusCode).toBe(200);
    expect(res.body.warnings).toEqual([{ check: 'redis', setting: 'config', value: 'unreadable', message: expect.stringContaining('check appendonly and maxmemory-policy yourself') }]);
  });
});
