// `npm run gameday [-- --scenario=1,2,all] [--duration=S] [--rate=N] [--smoke] [--json=FILE]`
// Starts the topology (topology.mjs), then for each scenario: two fresh workflows, steady webhook
// load through the balancer, the scenario's faults on their schedule, a wait for every accepted
// run to finish (and, after a provider outage, a `visapi dlq:replay` of the dead ones), and the
// ledger (ledger.mjs). Exits 1 unless every scenario ends with lost 0, duplicates 0 (beyond the
// ones in flight at a worker kill) and nothing pending.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpuInfo, ROOT } from '../bench/lib.mjs';
import { ledger } from './ledger.mjs';
import { webhookLoad } from './load.mjs';
import { loadDuration, scenarios } from './scenarios.mjs';
import { Topology } from './topology.mjs';

// providerRetries: the step's retry budget where Slack fails — used up within the outage, so runs
// die and dlq:replay has work (backoff from 1 s: 3 retries ≈ 7 s; 1 retry ≈ 1 s, Retry-After 1 s).
const FULL = { durationMs: 40_000, rate: 100, faults: { redisMs: 10_000, postgresMs: 20_000, providerMs: 60_000, killEveryMs: 5_000 }, providerRetries: 3, drainMs: 300_000 };
const SMOKE = { durationMs: 5_000, rate: 25, faults: { redisMs: 2_000, postgresMs: 3_000, providerMs: 3_000, killEveryMs: 1_500 }, providerRetries: 1, drainMs: 90_000 };
const FOR_EACH_ITEMS = 3;

function options(argv) {
  const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const preset = argv.includes('--smoke') ? SMOKE : FULL;
  const duration = arg('duration');
  const rate = arg('rate');
  const list = (arg('scenario') ?? '1,2,3,4,5,6,all').split(',');
  for (const s of list) if (!['1', '2', '3', '4', '5', '6', 'all'].includes(s)) throw new Error(`--scenario: ${s} is not one of 1–6 or all`);
  if (duration !== undefined && !(Number(duration) > 0)) throw new Error('--duration: seconds, a positive number');
  if (rate !== undefined && !(Number(rate) > 0)) throw new Error('--rate: requests per second, a positive number');
  return { ...preset, durationMs: duration ? Number(duration) * 1000 : preset.durationMs, rate: rate ? Number(rate) : preset.rate, list, json: arg('json'), smoke: argv.includes('--smoke') };
}

const seconds = (ms) => +(ms / 1000).toFixed(2);
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function createWorkflows(topo, name, retries) {
  const tag = randomBytes(3).toString('hex');
  const make = async (suffix, step, messages) => {
    const hook = `gd-${name}-${tag}${suffix}`;
    const { id } = await topo.api('POST', '/api/v1/workflows', { name: hook, version: '1.0.0', triggers: [{ type: 'webhook', key: hook }], steps: [{ retries, ...step }] });
    return { id, hook, messages };
  };
  return {
    single: await make('', { id: 'notify', type: 'slack.send', config: { channel: '#gameday', text: 'gd run={{ run.id }} step=notify' } }, 1),
    forEach: await make('-each', { id: 'each', type: 'slack.send', forEach: 'input.items', config: { channel: '#gameday', text: 'gd run={{ run.id }} step=each item={{ index }}' } }, FOR_EACH_ITEMS),
  };
}

/** Waits until every accepted run has finished (succeeded or dead), or `timeoutMs`. */
async function drain(topo, records, timeoutMs) {
  const ids = [...new Set(records.filter((r) => r.status === 202 && r.runId).map((r) => r.runId))];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await topo.postgres.query("select count(*)::int as n from runs where id = any($1) and status in ('succeeded', 'dead', 'cancelled')", [ids]).catch(() => [{ n: -1 }]);
    if (rows[0].n === ids.length || Date.now() > deadline) return Date.now();
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `visapi dlq:replay --workflow ID`, as an operator runs it. Under load the CLI can fail with
 * "Redis is not connected": it adds to the queue before its queue connection is ready (commands
 * are not queued offline), and the extra hop of the latency proxy is enough to lose that race.
 * So: through the proxy like every process; then straight to redis-server; then the same replay
 * through the API (POST /api/v1/dlq/replay). The report says which one did it.
 */
async function replayDlq(topo, workflowId) {
  for (const [how, env] of [['cli', {}], ['cli, straight to redis-server', { REDIS_URL: topo.redis.url }]]) {
    try {
      topo.cli(['dlq:replay', '--workflow', workflowId], env);
      return how;
    } catch (error) {
      console.log(`  ${how}: ${error.message.trim().split('\n')[0]}`);
    }
  }
  await topo.api('POST', '/api/v1/dlq/replay', { workflowId });
  return 'api';
}

async function runScenario(topo, id, scenario, opts) {
  const workflows = await createWorkflows(topo, `s${id}`, scenario.tracks.some((t) => t.replayDlq) ? opts.providerRetries : 5);
  const durationMs = loadDuration(scenario, opts.durationMs);
  const delivered0 = topo.recorder.delivered.length;
  const kills = [];
  console.log(`\n=== scenario ${id}: ${scenario.title} — ${opts.rate} req/s for ${seconds(durationMs)} s (load ${loadavg()})`);
  const t0 = Date.now();
  let restoredAt;
  let lastAccepted = 0;
  const faults = Promise.all(scenario.tracks.map((t) => t.run(topo, t0))).then((lists) => {
    restoredAt = Date.now();
    return lists.flat();
  });
  // The load lasts its duration, and on past the last fault's end so recovery happens under load too.
  const tailMs = Math.max(3_000, Math.round(opts.durationMs * 0.2));
  const records = await webhookLoad({
    url: topo.url,
    apiKey: topo.apiKey,
    rate: opts.rate,
    durationMs: durationMs + opts.drainMs,
    // …until a 202 after the last restore too: the load sees the recovery.
    stopped: () => Date.now() - t0 >= durationMs && restoredAt !== undefined && Date.now() - restoredAt >= tailMs && lastAccepted > restoredAt,
    onRecord: (r) => {
      if (r.status === 202) lastAccepted = Math.max(lastAccepted, r.sentAt);
    },
    targets: [
      { every: 5, hook: workflows.forEach.hook, body: (n) => ({ applicationId: `GD-${n}`, items: Array.from({ length: FOR_EACH_ITEMS }, (_, i) => ({ line: i })) }) },
      { every: 1, hook: workflows.single.hook, body: (n) => ({ applicationId: `GD-${n}`, status: 'approved' }) },
    ],
  });
  const events = await faults;
  kills.push(...events.filter((e) => e.victim));
  const loadEnd = Date.now();
  let drainedAt = await drain(topo, records, opts.drainMs);
  let replay;
  if (scenario.tracks.some((t) => t.replayDlq)) {
    const before = (await topo.postgres.query("select count(*)::int as n from runs where workflow_id = any($1) and status = 'dead'", [[workflows.single.id, workflows.forEach.id]]))[0].n;
    const replayStart = Date.now();
    const via = [];
    for (const w of Object.values(workflows)) via.push(await replayDlq(topo, w.id));
    drainedAt = await drain(topo, records, opts.drainMs);
    replay = { dead: before, via, seconds: seconds(Date.now() - replayStart) };
  }
  // The provider's last answers may still be on their way.
  await new Promise((r) => setTimeout(r, 200));
  const delivered = topo.recorder.delivered.slice(delivered0);
  const result = await ledger({ records, workflows, postgres: topo.postgres, redis: topo.redisClient, prefix: topo.prefix, delivered, kills });
  const timeline = events.map((e) => timing(e, t0, records, delivered));
  const whileDown = events.filter((e) => e.fault === 'redis SIGKILL').flatMap((e) => records.filter((r) => r.sentAt >= e.at && r.sentAt <= e.restoredAt));
  const refusals = whileDown.filter((r) => r.status === 503 || r.status === 429);
  return {
    id,
    title: scenario.title,
    t0,
    rate: opts.rate,
    loadSeconds: seconds(loadEnd - t0),
    drainSeconds: seconds(drainedAt - loadEnd),
    ledger: result,
    replay,
    faults: timeline,
    whileRedisDown: whileDown.length
      ? { requests: whileDown.length, slowestRefusalMs: refusals.length ? Math.max(...refusals.map((r) => r.ms)) : null, slowestAnswerMs: Math.max(...whileDown.map((r) => r.ms)), answers: countBy(whileDown.map((r) => r.status || r.error)) }
      : undefined,
    latencyMs: percentiles(records.filter((r) => r.status === 202).map((r) => r.ms)),
    throughput: throughput(delivered, records, t0, loadEnd, events.find((e) => e.fault.startsWith('redis +'))),
    balancerRetries: topo.balancer.retries,
    balancerFailures: { ...topo.balancer.failures },
    loadavg: loadavg(),
  };
}

/** A fault's times from the load's start, and its recovery: the first success after it was restored. */
function timing(event, t0, records, delivered) {
  const after = (t) => (x) => x >= t;
  const first202 = records.filter((r) => r.status === 202 && r.sentAt + r.ms >= event.restoredAt).map((r) => r.sentAt + r.ms).sort((a, b) => a - b)[0];
  const firstMessage = delivered.map((m) => m.answeredAt).filter(after(event.restoredAt)).sort((a, b) => a - b)[0];
  const during = records.filter((r) => r.sentAt >= event.at && r.sentAt <= event.restoredAt);
  return {
    fault: event.fault,
    victim: event.victim,
    midStep: event.midStep,
    atS: seconds(event.at - t0),
    restoredAtS: seconds(event.restoredAt - t0),
    outageS: seconds(event.restoredAt - event.at),
    ...(event.exitedAt ? { drainedInS: seconds(event.exitedAt - event.at), exitCode: event.exitCode } : {}),
    first202AfterS: first202 === undefined ? null : seconds(first202 - event.restoredAt),
    firstMessageAfterS: firstMessage === undefined ? null : seconds(firstMessage - event.restoredAt),
    /** The answers to the requests sent while the fault lasted. */
    answersDuring: countBy(during.map((r) => r.status || r.error)),
  };
}

/** Messages posted per second and 202 latency: over the load, or inside and outside scenario 6's latency window. */
function throughput(delivered, records, t0, end, latency) {
  const inWindow = (t) => latency && t >= latency.at && t < latency.restoredAt;
  const rate = (pick) => {
    const span = latency ? (pick ? latency.restoredAt - latency.at : end - t0 - (latency.restoredAt - latency.at)) : end - t0;
    return +(delivered.filter((m) => m.answeredAt >= t0 && m.answeredAt < end && Boolean(inWindow(m.answeredAt)) === pick).length / Math.max(0.001, span / 1000)).toFixed(1);
  };
  const accepted = (pick) => percentiles(records.filter((r) => r.status === 202 && Boolean(inWindow(r.sentAt)) === pick).map((r) => r.ms));
  if (!latency) return { messagesPerSecond: rate(false) };
  return { messagesPerSecond: { withLatency: rate(true), without: rate(false) }, accepted202Ms: { withLatency: accepted(true), without: accepted(false) } };
}

function countBy(values) {
  return values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? null;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? null };
}

function passed(r) {
  if (r.error) return false;
  const l = r.ledger;
  return l.lost === 0 && l.duplicatesOther === 0 && l.idempotencyBreaks === 0 && l.pending === 0 && l.dead === 0 && l.accepted > 0;
}

function printLedger(results) {
  const cols = ['scenario', 'requests', 'accepted', 'exactly once', 'dup in flight', 'dup other', 'lost', 'pending', 'dead', 'refused', 'ran, no 202', 'verdict'];
  const rows = results.map((r) => (r.error ? [r.id, ...cols.slice(1, -1).map(() => '—'), 'ERROR'] : [r.id, r.ledger.requests, r.ledger.accepted, r.ledger.exactlyOnce, r.ledger.duplicatesInFlight, r.ledger.duplicatesOther + r.ledger.idempotencyBreaks, r.ledger.lost, r.ledger.pending, r.ledger.dead, r.ledger.refused, r.ledger.unexpected, passed(r) ? 'ok' : 'FAIL']));
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(`\n${line(cols)}\n${rows.map(line).join('\n')}`);
}

function printScenario(r) {
  const l = r.ledger;
  console.log(`ledger: accepted ${l.accepted} (of ${l.requests} requests, ${l.retries} of them retries of a refusal, ${l.repeats} repeats, ${l.replayed} answered as replays) · exactly once ${l.exactlyOnce} · duplicates ${l.duplicatesInFlight} in flight at a kill, ${l.duplicatesOther} other, ${l.idempotencyBreaks} idempotency breaks · lost ${l.lost} · pending ${l.pending} · dead ${l.dead} · refused ${l.refused} (409 ${l.conflicts}, other errors ${l.otherErrors}, hung ${l.hung}) · ran although no 202 named them ${l.unexpected}`);
  console.log(`  answers: ${JSON.stringify(l.statuses)}`);
  for (const [problem, n] of Object.entries(l.problems)) console.log(`    ${n} × ${problem}`);
  if (l.lostIds.length) console.log(`  lost runs: ${l.lostIds.join(' ')}`);
  for (const d of l.duplicateDetails) console.log(`  duplicate (${d.cause}): run ${d.runId} step ${d.step}${d.item === undefined ? '' : ` item ${d.item}`}, first by ${d.first.worker} at ${seconds(d.first.at - r.t0)} s, again by ${d.again.worker} at ${seconds(d.again.at - r.t0)} s`);
  for (const f of r.faults) console.log(`  ${f.fault}${f.victim ? ` (${f.victim}${f.midStep ? ', mid-step' : ''})` : ''} at ${f.atS} s, restored after ${f.outageS} s${f.drainedInS === undefined ? '' : ` (exited ${f.exitCode} after draining ${f.drainedInS} s)`}; first 202 ${f.first202AfterS ?? '—'} s and first message ${f.firstMessageAfterS ?? '—'} s after that`);
  if (r.whileRedisDown) console.log(`  while Redis was down: ${r.whileRedisDown.requests} requests, slowest refusal ${r.whileRedisDown.slowestRefusalMs} ms, slowest answer ${r.whileRedisDown.slowestAnswerMs} ms, answers ${JSON.stringify(r.whileRedisDown.answers)}`);
  if (r.replay) console.log(`  replay of ${r.replay.dead} dead runs (${r.replay.via.join(', ')}): all finished ${r.replay.seconds} s later`);
  console.log(`  202 latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms · ${JSON.stringify(r.throughput)} · drained ${r.drainSeconds} s after the load · balancer retries so far ${r.balancerRetries}, gave up ${JSON.stringify(r.balancerFailures)} · load ${r.loadavg}`);
}

export async function main(argv) {
  const opts = options(argv);
  const startedAt = new Date().toISOString();
  console.log(`game day (${cpuInfo()}; load ${loadavg()}): scenarios ${opts.list.join(', ')}, ${opts.rate} req/s, ${seconds(opts.durationMs)} s each${opts.smoke ? ' (smoke)' : ''}`);
  const file = opts.json ?? path.join(ROOT, 'gameday/results', `gameday-${startedAt.replace(/[:.]/g, '-')}.json`);
  const logDir = file.replace(/\.json$/, '') + '-logs';
  const topo = new Topology({ lockMs: 15_000, stalledIntervalMs: 5_000, drainDelayMs: 1_000, logDir });
  const stop = () => topo.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const results = [];
  try {
    const booted = Date.now();
    await topo.start();
    topo.redisClient = topo.redis.client();
    console.log(`topology up in ${seconds(Date.now() - booted)} s: balancer ${topo.url}, gateways ${topo.gatewayPorts.join(', ')}, PostgreSQL ${topo.postgres.port}, Redis ${topo.redis.port} (via latency proxy ${topo.redisProxy.port})`);
    const all = scenarios(opts.durationMs, opts.faults);
    for (const id of opts.list) {
      try {
        const result = await runScenario(topo, id, all[id], opts);
        printScenario(result);
        results.push(result);
      } catch (error) {
        // The harness itself failed (not a ledger): said, and the other scenarios still run.
        console.log(`scenario ${id} could not finish: ${error.stack}`);
        results.push({ id, title: all[id].title, error: error.message });
      }
    }
  } finally {
    topo.redisClient?.disconnect();
    await topo.stop();
  }
  printLedger(results);
  const ok = results.every(passed);
  console.log(ok ? '\nlost 0, duplicates 0 (beyond those in flight at a kill) in every scenario' : '\nFAILED: see the ledger above');
  const report = { startedAt, machine: cpuInfo(), options: { ...opts, json: undefined }, results, ok };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${file}; the processes' output in ${logDir}/`);
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
