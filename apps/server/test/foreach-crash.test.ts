import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { adminQuery } from './support/databases';
import { FakeSlack } from './support/providers/slack-api';
import { startWorkerProcess, type VisapiProcess } from './support/processes';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

/**
 * Issue 16: forEach items are stored one by one as each finishes. A worker SIGKILLed mid-forEach
 * leaves the items it sent recorded; the worker that resumes the run sends the rest, and only the
 * item in flight at the kill — sent, its answer never stored — reaches Slack twice (SPEC: Slack
 * takes no idempotency key, "Duplicates, honestly").
 */
let infra: TestInfra;
let gateway: TestApp;
let slack: FakeSlack;
let key: string;
const workers: VisapiProcess[] = [];

const ITEMS = 12;
/** The worker is killed while Slack holds this item's request (1-based: the k-th request). */
const K = 5;

async function startWorker(): Promise<VisapiProcess> {
  const proc = await startWorkerProcess(infra, {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.base,
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  workers.push(proc);
  return proc;
}

/** The run's items recorded one by one (succeeded ones: a failed item is not in these tests). */
async function storedItems(runId: string): Promise<number> {
  expect(runId).toMatch(/^[0-9a-f-]{36}$/);
  return Number((await adminQuery(infra.databaseUrl, `SELECT count(*) AS n FROM run_step_items WHERE run_id = '${runId}' AND status = 'succeeded'`))[0]!.n);
}

beforeAll(async () => {
  infra = await createTestInfra();
  slack = await new FakeSlack().start();
  gateway = await createTestApp(infra, { role: 'gateway' });
  await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
  key = (await createKey(gateway, ['manage_workflows', 'trigger', 'read_runs'])).key;
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await gateway?.close();
  await slack?.stop();
  await infra?.cleanup();
});

describe('a worker SIGKILLed mid-forEach (issue 16)', () => {
  it('the next worker sends only the items not stored: every item arrives, the one in flight at the kill twice, no other', async () => {
    const created = await createWorkflow(gateway, key, {
      steps: [
        {
          id: 'notify',
          type: 'slack.send',
          forEach: 'input.applicants',
          timeout: 120_000,
          config: { channel: '#visa-ops', text: 'applicant {{ item.id }}' },
        },
        { id: 'summary', type: 'slack.send', config: { channel: '#visa-ops', text: 'sent {{ steps.notify.size }}' } },
      ],
    });
    // Slack answers the first K-1 messages; the K-th is received and never answered, so it is
    // in flight — sent, not stored — when the worker is killed.
    slack.script(
      '/api/chat.postMessage',
      ...Array.from({ length: K - 1 }, (_, i) => ({ status: 200, body: { ok: true, channel: 'C0VISAOPS', ts: `1700000000.00${i}` } })),
      { status: 200, hang: true },
    );

    const first = await startWorker();
    const applicants = Array.from({ length: ITEMS }, (_, i) => ({ id: `a${i}` }));
    const accepted = await gateway.app.inject({ method: 'POST', url: `/api/v1/workflows/${created.id}/trigger`, headers: { 'x-api-key': key }, payload: { applicants } });
    expect(accepted.statusCode).toBe(202);
    const { runId } = accepted.json();
    await expect.poll(() => slack.posted().length, { timeout: 20_000 }).toBe(K);
    // The K-1 answered items are recorded one by one, before the K-th was sent.
    expect(await storedItems(runId)).toBe(K - 1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    await startWorker();
    let run: { status: string; steps: Array<{ id: string; status: string; attempts: number; output: unknown }> } = { status: '', steps: [] };
    await expect
      .poll(async () => {
        run = (await gateway.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: { 'x-api-key': key } })).json();
        return run.status;
      }, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');

    const texts = slack.posted().map((m) => m.text);
    const counts = new Map<string, number>();
    for (const text of texts) counts.set(text!, (counts.get(text!) ?? 0) + 1);
    // Every item arrived; the only duplicate is the item in flight at the kill.
    for (const [i, a] of applicants.entries()) expect(counts.get(`applicant ${a.id}`), a.id).toBe(i === K - 1 ? 2 : 1);
    const duplicates = texts.length - new Set(texts).size;
    expect(duplicates).toBe(1);
    expect(counts.get(`sent ${ITEMS}`)).toBe(1);
    expect(run.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([['notify', 'succeeded', 2], ['summary', 'succeeded', 1]]);
    expect((run.steps[0]!.output as unknown[]).length).toBe(ITEMS);
    // The step's outcome took the items over: none is left recorded one by one.
    expect(await storedItems(runId)).toBe(0);
  });
});
