import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 16's game day, shortened (`npm run gameday -- --smoke`): the same topology of real
 * processes — its own PostgreSQL and redis-server (never the shared ones), 2 gateways behind the
 * round-robin balancer, 2 workers, the Slack-compatible recorder — and each scenario with a few
 * seconds of load and faults, then all six together. The ledger (gameday/ledger.mjs) is the proof.
 */
const ROOT = path.resolve(__dirname, '../../..');
const WORKER_CONCURRENCY_DEFAULT = 10;

interface Fault {
  fault: string;
  victim?: string;
  exitCode?: number | string;
  first202AfterS: number | null;
  answersDuring: Record<string, number>;
}
interface ScenarioResult {
  id: string;
  ledger: {
    accepted: number;
    exactlyOnce: number;
    duplicatesInFlight: number;
    duplicatesOther: number;
    idempotencyBreaks: number;
    lost: number;
    pending: number;
    dead: number;
    hung: number;
    statuses: Record<string, number>;
    duplicateDetails: unknown[];
    lostIds: string[];
  };
  faults: Fault[];
  whileRedisDown?: { requests: number; slowestRefusalMs: number | null; answers: Record<string, number> };
  replay?: { dead: number };
}

let results = new Map<string, ScenarioResult>();
let output = '';
let child: ChildProcess | undefined;

beforeAll(async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-gameday-smoke-')), 'report.json');
  const gameday = spawn(process.execPath, ['gameday/run.mjs', '--smoke', `--json=${file}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child = gameday;
  gameday.stdout.on('data', (c) => (output += c));
  gameday.stderr.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => gameday.on('exit', resolve));
  child = undefined;
  // Exit 1 is a failed ledger, asserted scenario by scenario below; no report is a crash.
  if (!fs.existsSync(file)) throw new Error(`the game day exited with ${code} and wrote no report:\n${output.slice(-8000)}`);
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { results: ScenarioResult[]; ok: boolean };
  results = new Map(report.results.map((r) => [r.id, r]));
  // A failed ledger keeps the processes' logs (report-logs/ next to the report) to explain it.
  if (report.ok) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  else output += `\nreport and the processes' logs kept in ${path.dirname(file)}`;
}, 900_000);

// Cut short (a timeout): SIGTERM makes the game day stop every process it started.
afterAll(async () => {
  if (!child) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

function scenario(id: string): ScenarioResult {
  const result = results.get(id);
  if (!result) throw new Error(`scenario ${id} did not run:\n${output.slice(-8000)}`);
  return result;
}

/** Every 202 ran exactly once: nothing lost, pending or dead, no duplicate but those a worker kill excuses. */
function expectEveryAcceptedRunOnce(r: ScenarioResult) {
  const kills = r.faults.filter((f) => f.fault === 'worker SIGKILL').length;
  const l = r.ledger;
  const context = `${JSON.stringify({ ledger: l, faults: r.faults }, null, 1)}\n${output.split('\n').at(-2)}`;
  expect(l.accepted, context).toBeGreaterThan(0);
  expect({ lost: l.lost, pending: l.pending, dead: l.dead, duplicatesOther: l.duplicatesOther, idempotencyBreaks: l.idempotencyBreaks, hung: l.hung }, context).toEqual({
    lost: 0,
    pending: 0,
    dead: 0,
    duplicatesOther: 0,
    idempotencyBreaks: 0,
    hung: 0,
  });
  // Slack takes no idempotency key: a message a worker had sent when it was SIGKILLed may go again, at most once per step in flight.
  expect(l.duplicatesInFlight, context).toBeLessThanOrEqual(kills * WORKER_CONCURRENCY_DEFAULT);
  expect(l.accepted - l.exactlyOnce, context).toBeLessThanOrEqual(l.duplicatesInFlight);
  // A gateway's own failure is a 500: never an answer under these faults.
  expect(l.statuses['500'] ?? 0, context).toBe(0);
}

describe('game day smoke (npm run gameday -- --smoke)', () => {
  it('1. Redis SIGKILLed under load: 503 within 1 s while it is down, 202 again once it is back, every 202 run once', () => {
    const r = scenario('1');
    expectEveryAcceptedRunOnce(r);
    expect(r.whileRedisDown?.answers['503'], JSON.stringify(r.whileRedisDown)).toBeGreaterThan(0);
    expect(r.whileRedisDown?.slowestRefusalMs, JSON.stringify(r.whileRedisDown)).toBeLessThanOrEqual(1000);
    expect(r.faults[0]!.first202AfterS, JSON.stringify(r.faults)).not.toBeNull();
  });

  it('2. a worker SIGKILLed mid-step, each in turn: the runs resume on the other, no message sent twice beyond the one in flight', () => {
    const r = scenario('2');
    expect(r.faults.filter((f) => f.fault === 'worker SIGKILL').length).toBeGreaterThanOrEqual(2);
    expectEveryAcceptedRunOnce(r);
  });

  it('3. PostgreSQL stopped: ingestion keeps answering 202, the runs finish once it is back', () => {
    const r = scenario('3');
    expectEveryAcceptedRunOnce(r);
    const during = r.faults[0]!.answersDuring;
    expect(during['202'], JSON.stringify(r.faults)).toBeGreaterThan(0);
    expect(Object.keys(during).filter((status) => !['202', '409'].includes(status)), JSON.stringify(r.faults)).toEqual([]);
  });

  it('4. each gateway SIGTERMed and restarted under load: it drains and exits 0, no request cut or given up by the balancer, exactly once through Idempotency-Key', () => {
    const r = scenario('4');
    expectEveryAcceptedRunOnce(r);
    expect(r.faults.map((f) => f.exitCode)).toEqual([0, 0]);
    // 503 is a refusal the client retries; a reset, a hang or the balancer's 502 would be a request the restart lost.
    expect(Object.keys(r.ledger.statuses).filter((status) => !['202', '409', '503'].includes(status)), JSON.stringify(r.ledger.statuses)).toEqual([]);
  });

  it('5. Slack answers 500 and 429: retries, then DLQ; dlq:replay delivers each exactly once', () => {
    const r = scenario('5');
    expect(r.replay?.dead, 'some runs used up their retries during the outage').toBeGreaterThan(0);
    expectEveryAcceptedRunOnce(r);
  });

  it('6. 20–50 ms added to Redis both ways: nothing lost, no duplicate', () => {
    expectEveryAcceptedRunOnce(scenario('6'));
  });

  it('all six together: every accepted run once', () => {
    const r = scenario('all');
    expectEveryAcceptedRunOnce(r);
    expect(r.whileRedisDown?.slowestRefusalMs ?? 0, JSON.stringify(r.whileRedisDown)).toBeLessThanOrEqual(1000);
  });
});
