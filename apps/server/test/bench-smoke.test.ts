import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestInfra, type TestInfra } from './support/test-infra';

// `npm run bench` and its soak, shortened: the benches run whole (their own gateway, worker,
// floor process and delivery target) against this file's database, so a change that breaks
// them fails here rather than on the next person's bench run. Figures are not asserted.
const ROOT = path.resolve(__dirname, '../../..');

let infra: TestInfra;
beforeAll(async () => {
  infra = await createTestInfra();
});
afterAll(() => infra.cleanup());

function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/run.mjs'), ...args, '--services=external'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl },
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const resultOf = (output: string) => JSON.parse(fs.readFileSync(/written to (\S+)/.exec(output)![1]!, 'utf8'));

describe('npm run bench, shortened', () => {
  it('ingestion: the floor process, the webhook and their ratio, then webhook → delivered with CPU per process group', async () => {
    const { code, output } = await bench(['ingestion', '--duration=1']);
    expect(code, output).toBe(0);
    const [result] = resultOf(output).results;
    expect(result.mode).toBe('external');
    const [webhook, floor] = result.ingestion.rows;
    expect(webhook).toMatchObject({ name: 'webhook, max rate', non2xx: 0, errors: 0 });
    expect(floor.name).toMatch(/^floor/);
    expect(floor.requestsPerSecond).toBeGreaterThan(0);
    expect(result.ingestion.ratio).toBeCloseTo(webhook.requestsPerSecond / floor.requestsPerSecond, 2);
    expect(result.endToEnd.latency.delivered).toBe(result.endToEnd.latency.sent);
    // autocannon counts the answers it read; requests still in flight at its end run too.
    expect(result.endToEnd.sustained.executions).toBeGreaterThanOrEqual(result.endToEnd.sustained.accepted);
    expect(Object.keys(result.endToEnd.cpuMsPerExecution)).toEqual(['gateway', 'worker', 'redis', 'postgres', 'total']);
    expect(result.endToEnd.peakRssMb.gateway).toBeGreaterThan(0);
    expect(output).toMatch(/Summary/);
  }, 180_000);

  it('soak: every request accepted and delivered once, a sample of every process each minute', async () => {
    const { code, output } = await bench(['soak', '--minutes=0.1', '--rate=20']);
    expect(code, output).toBe(0);
    const result = resultOf(output);
    expect(result.tally).toMatchObject({ sent: 120, accepted: 120, refused: 0, failed: 0 });
    expect(result.delivered).toBe(120);
    expect(result.duplicates).toBe(0);
    const [last] = result.samples.slice(-1);
    expect(last.backlog).toBe(0);
    for (const series of ['gatewayRssMb', 'gatewayHeapMb', 'workerRssMb', 'workerHeapMb', 'redisRssMb', 'postgresPssMb']) expect(last[series]).toBeGreaterThan(0);
  }, 120_000);
});
