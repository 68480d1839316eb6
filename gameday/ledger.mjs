// The proof of a scenario: every 202 the load got, matched to the runs PostgreSQL holds, the
// jobs Redis still holds and the messages the Slack-compatible server posted.
//
// accepted       distinct run ids answered 202 (repeats of one Idempotency-Key count once)
// exactly once   succeeded in PostgreSQL, and each message it should send posted once
// duplicates     extra copies of a message (run, step, item). "in flight at a kill": the copy
//                a worker had sent, and Slack had posted, when that worker was SIGKILLed — it
//                could not store the answer, and Slack takes no idempotency key; at most one
//                per step in flight at the kill. Every other extra copy is "other".
// lost           accepted, then no run and no job anywhere; or succeeded with a message missing
// pending        accepted and not finished yet (queued, running, waiting for a retry), or dead
// refused        503 and 429 answers (the client was told; nothing accepted)

/** How long before a kill the copy in flight may have been received (a step's whole call). */
const IN_FLIGHT_WINDOW_MS = 15_000;

export async function ledger({ records, workflows, postgres, redis, prefix, delivered, kills }) {
  const accepted = new Map();
  const keyRuns = new Map();
  let idempotencyBreaks = 0;
  for (const r of records) {
    if (r.status !== 202 || !r.runId) continue;
    if (keyRuns.has(r.key) && keyRuns.get(r.key) !== r.runId) idempotencyBreaks++;
    keyRuns.set(r.key, r.runId);
    accepted.set(r.runId, r.hook);
  }
  const expected = new Map(Object.values(workflows).map((w) => [w.hook, w.messages]));
  const runs = new Map((await postgres.query('select id, status from runs where workflow_id = any($1)', [Object.values(workflows).map((w) => w.id)])).map((r) => [r.id, r.status]));

  const byRun = new Map();
  for (const m of delivered) {
    if (!byRun.has(m.runId)) byRun.set(m.runId, []);
    byRun.get(m.runId).push(m);
  }

  const counts = { accepted: accepted.size, exactlyOnce: 0, duplicatesInFlight: 0, duplicatesOther: 0, lost: 0, pending: 0, dead: 0, unexpected: 0 };
  const lostIds = [];
  const duplicateDetails = [];
  for (const [runId, hook] of accepted) {
    const status = runs.get(runId);
    const messages = byRun.get(runId) ?? [];
    const { inFlight, other, keys, details } = duplicates(messages, kills);
    duplicateDetails.push(...details.map((d) => ({ runId, ...d })));
    counts.duplicatesInFlight += inFlight;
    counts.duplicatesOther += other;
    if (status === 'succeeded') {
      if (keys < expected.get(hook)) {
        counts.lost++;
        lostIds.push(runId);
      } else if (inFlight + other === 0) counts.exactlyOnce++;
    } else if (status === 'dead') counts.dead++;
    else if (status || (await queued(redis, prefix, runId))) counts.pending++;
    else {
      counts.lost++;
      lostIds.push(runId);
    }
  }
  // Runs that sent messages although no 202 named them (a request whose answer was lost on the way).
  for (const runId of byRun.keys()) if (runs.has(runId) && !accepted.has(runId)) counts.unexpected++;
  const statuses = records.map((r) => r.status);
  return {
    ...counts,
    duplicates: counts.duplicatesInFlight + counts.duplicatesOther + idempotencyBreaks,
    idempotencyBreaks,
    lostIds: lostIds.slice(0, 20),
    duplicateDetails: duplicateDetails.slice(0, 20),
    statuses: records.reduce((acc, r) => ({ ...acc, [r.status || r.error]: (acc[r.status || r.error] ?? 0) + 1 }), {}),
    requests: records.length,
    retries: records.filter((r) => r.attempt > 1).length,
    repeats: records.filter((r) => r.repeat).length,
    replayed: records.filter((r) => r.replayed).length,
    refused: statuses.filter((s) => s === 503 || s === 429).length,
    conflicts: statuses.filter((s) => s === 409).length,
    otherErrors: records.filter((r) => ![202, 409, 429, 503].includes(r.status)).length,
    hung: records.filter((r) => r.error === 'HUNG').length,
    problems: records.filter((r) => r.problem && r.status !== 409).reduce((acc, r) => ({ ...acc, [`${r.status} ${r.problem}`]: (acc[`${r.status} ${r.problem}`] ?? 0) + 1 }), {}),
  };
}

/** A run's extra message copies, split by cause; `keys` is how many distinct messages it posted. */
function duplicates(messages, kills) {
  const copies = new Map();
  for (const m of messages) {
    const key = `${m.step}/${m.item ?? ''}`;
    if (!copies.has(key)) copies.set(key, []);
    copies.get(key).push(m);
  }
  let inFlight = 0;
  let other = 0;
  const details = [];
  // At most one copy per (kill, step) is excused: the latest one the killed worker sent before it died.
  const excused = new Set();
  for (const kill of kills) {
    // Sent before it died: what it wrote just before SIGKILL may reach Slack a moment after.
    const candidates = messages.filter((m) => m.worker === kill.victim && m.receivedAt <= kill.diedAt + 100 && m.receivedAt >= kill.at - IN_FLIGHT_WINDOW_MS);
    const byStep = new Map();
    for (const m of candidates) if (!byStep.has(m.step) || byStep.get(m.step).receivedAt < m.receivedAt) byStep.set(m.step, m);
    for (const m of byStep.values()) excused.add(m);
  }
  for (const list of copies.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.receivedAt - b.receivedAt);
    // The first copy was the real send; each later one repeats it. Excused when the copy it
    // repeats was the one in flight at a kill.
    for (let i = 1; i < list.length; i++) {
      const cause = excused.has(list[i - 1]) ? 'in flight at a kill' : 'other';
      if (cause === 'other') other++;
      else inFlight++;
      details.push({ step: list[i].step, item: list[i].item, cause, first: { worker: list[0].worker, at: list[0].receivedAt }, again: { worker: list[i].worker, at: list[i].receivedAt } });
    }
  }
  return { inFlight, other, keys: copies.size, details };
}

async function queued(redis, prefix, runId) {
  for (const queue of ['critical', 'default', 'bulk']) if (await redis.exists(`${prefix}:${queue}:${runId}`)) return true;
  return false;
}
