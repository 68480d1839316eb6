import type { WorkflowStep } from '@visapi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { QueuesService } from '../src/queues/queues.service';
import { seed } from '../src/seed/seed';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey, sessionHeaders, signIn } from './support/auth-helpers';
import { FakeSlack } from './support/providers/slack-api';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow } from './support/workflows';

/**
 * Connectors inside real runs: templates changed through the API, sandboxed WhatsApp in the
 * outbox API, Slack failures through retries, the dead-letter queue and its alert, replay.
 */
let infra: TestInfra;
let t: TestApp;
const slack = new FakeSlack();
let key: string;
let n = 0;

beforeAll(async () => {
  infra = await createTestInfra();
  await slack.start();
  t = await createTestApp(infra, { role: 'all', env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.base, SLACK_ALERTS_CHANNEL: '#alerts', PUBLIC_URL: 'https://visapi.example' } });
  await seed(t.runtime);
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'read_workflows', 'trigger', 'read_runs', 'manage_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  await t?.close();
  await slack.stop();
  await infra?.cleanup();
});

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = { 'x-api-key': key }) =>
  t.app.inject({ method, url, payload: payload as object, headers });

async function runOf(steps: WorkflowStep[], input: unknown = {}) {
  const created = await createWorkflow(t, key, { name: `notify ${++n}`, steps });
  const accepted = await call('POST', `/api/v1/workflows/${created.id}/trigger`, input);
  expect(accepted.statusCode, accepted.body).toBe(202);
  return { workflowId: created.id, name: created.name, runId: accepted.json().runId as string };
}

const settled = (runId: string) => settledRun(t, { 'x-api-key': key }, runId);

describe('templates API', () => {
  it('PUT creates (201) then versions (200); GET filters; each change is audited and used by the next run', async () => {
    const body = { name: 'ops_note', channel: 'slack', locale: 'en', body: 'Note for {{ who }}' };
    const created = await call('PUT', '/api/v1/templates', body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ ...body, version: 1, subject: null, providerRef: null });

    const first = await runOf([{ id: 'note', type: 'slack.send', config: { channel: '#visa-ops', template: 'ops_note', variables: { who: 'ops' } } }]);
    expect((await settled(first.runId)).status).toBe('succeeded');
    expect(slack.posted().at(-1)?.text).toBe('Note for ops');

    const changed = await call('PUT', '/api/v1/templates', { ...body, body: 'Changed note for {{ who }}' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, body: 'Changed note for {{ who }}' });
    const second = await runOf([{ id: 'note', type: 'slack.send', config: { channel: '#visa-ops', template: 'ops_note', variables: { who: 'ops' } } }]);
    expect((await settled(second.runId)).status).toBe('succeeded');
    expect(slack.posted().at(-1)?.text).toBe('Changed note for ops');

    const listed = await call('GET', '/api/v1/templates?name=ops_note');
    expect(listed.json().items).toHaveLength(1);
    const shipped = await call('GET', '/api/v1/templates?name=application_status_update&channel=whatsapp');
    expect(shipped.json().items.map((i: { locale: string }) => i.locale)).toEqual(['en', 'he']);

    await t.app.get(LogService).writer.flush();
    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/logs?q=template.&limit=10', headers: { 'x-api-key': (await createKey(t, ['read_logs'])).key } });
    expect(audit.json().items.map((r: { message: string }) => r.message)).toEqual(expect.arrayContaining(['template.created', 'template.updated']));
  });

  it('refuses templates that do not parse, e-mail without a subject, bad names and locales (400 with paths)', async () => {
    const broken = await call('PUT', '/api/v1/templates', { name: 'x', channel: 'slack', locale: 'en', body: 'Hi {{ name' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0]).toMatchObject({ path: '$.body', message: expect.stringContaining('does not parse') });
    const filter = await call('PUT', '/api/v1/templates', { name: 'x', channel: 'slack', locale: 'en', body: 'Hi {{ name | shout }}' });
    expect([filter.statusCode, filter.json().errors[0].message]).toEqual([400, expect.stringContaining('undefined filter: shout')]);
    const mail = await call('PUT', '/api/v1/templates', { name: 'x', channel: 'email', locale: 'en', body: 'Hi' });
    expect([mail.statusCode, mail.json().errors[0].path]).toEqual([400, '$.subject']);
    const names = await call('PUT', '/api/v1/templates', { name: 'Bad Name', channel: 'fax', locale: 'english', body: 'x' });
    expect(names.statusCode).toBe(400);
    expect(names.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['$.channel', '$.locale', '$.name']);
  });

  it('is for admins: a viewer is refused, a key needs manage_workflows to change one', async () => {
    const viewer = await signIn(t, 'viewer@example.com', 'viewer');
    expect((await call('GET', '/api/v1/templates', undefined, sessionHeaders(viewer.cookie))).statusCode).toBe(403);
    const reader = (await createKey(t, ['read_workflows'])).key;
    expect((await call('GET', '/api/v1/templates', undefined, { 'x-api-key': reader })).statusCode).toBe(200);
    expect((await call('PUT', '/api/v1/templates', { name: 'y', channel: 'slack', locale: 'en', body: 'y' }, { 'x-api-key': reader })).statusCode).toBe(403);
  });
});

describe('sandbox outbox', () => {
  it('a WhatsApp step without credentials lands in GET /api/v1/outbox, filterable by connector and run', async () => {
    const { runId } = await runOf(
      [{ id: 'wa', type: 'whatsapp.send', forEach: 'input.applicants', config: { to: '{{ item.phone }}', template: 'application_status_update', locale: '{{ item.locale }}', variables: { name: '{{ item.name }}', applicationId: '{{ item.id }}', status: 'approved' } } }],
      { applicants: [{ phone: '+972501234567', locale: 'he-IL', name: 'דנה', id: 'A-1' }, { phone: '+14155550123', locale: 'en-US', name: 'Sam', id: 'A-2' }] },
    );
    const run = await settled(runId);
    expect(run.status).toBe('succeeded');
    const outbox = await call('GET', `/api/v1/outbox?connector=whatsapp.send&runId=${runId}`);
    expect(outbox.statusCode).toBe(200);
    expect(outbox.json().items.map((i: { recipient: string; payload: { text: string } }) => [i.recipient, i.payload.text]).sort()).toEqual([
      ['+14155550123', 'Hello Sam, your visa application A-2 is now: approved.'],
      ['+972501234567', 'שלום דנה, סטטוס בקשת הוויזה שלך A-1 עודכן: approved.'],
    ]);
    const page = await call('GET', `/api/v1/outbox?limit=1&runId=${runId}`);
    expect(page.json().nextCursor).toEqual(expect.any(String));
    const next = await call('GET', `/api/v1/outbox?limit=1&runId=${runId}&cursor=${page.json().nextCursor}`);
    expect(next.json().items[0].id).not.toBe(page.json().items[0].id);
    expect((await call('GET', '/api/v1/outbox?connector=fax.send')).statusCode).toBe(400);
  });
});

describe('Slack failures, the dead-letter queue and its alert', () => {
  it('500 then 429 → retried, then dead; an alert names workflow, run, step and error; replay delivers exactly once', async () => {
    slack.failNext({ status: 500, body: 'oops' }, { status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } });
    const { runId, name } = await runOf([{ id: 'ops', type: 'slack.send', retries: 1, config: { channel: '#visa-ops', text: 'Run {{ run.id }} done' } }]);
    const dead = await settled(runId);
    expect(dead).toMatchObject({ status: 'dead', error: { class: 'transient', stepId: 'ops' } });
    expect(dead.steps[0]).toMatchObject({ id: 'ops', status: 'failed', attempts: 2 });

    await expect.poll(() => slack.posted().filter((p) => p.channel === '#alerts' && p.text?.includes(runId)).length, { timeout: 10_000 }).toBe(1);
    const alert = slack.posted().find((p) => p.channel === '#alerts' && p.text?.includes(runId))!;
    expect(alert.text).toContain(`Dead run in *${name}*: step \`ops\` failed (transient): slack.send: chat.postMessage answered 429`);
    expect(alert.text).toContain(`https://visapi.example/runs/${runId}`);

    const replay = await call('POST', '/api/v1/dlq/replay', { runIds: [runId] });
    expect(replay.json()).toEqual({ replayed: 1 });
    expect((await settled(runId)).status).toBe('succeeded');
    const delivered = slack.posted().filter((p) => p.channel === '#visa-ops' && p.text === `Run ${runId} done`);
    expect(delivered).toHaveLength(3); // two refused attempts, one delivery after the replay
    expect(slack.requests.filter((r) => r.path.endsWith('chat.postMessage') && (r.body as { text?: string }).text === `Run ${runId} done`).length).toBe(3);
  });

  it('a permanent Slack error (unknown channel) goes straight to the DLQ with an alert', async () => {
    const { runId } = await runOf([{ id: 'ops', type: 'slack.send', retries: 5, config: { channel: '#nowhere', text: 'x' } }]);
    const dead = await settled(runId);
    expect(dead).toMatchObject({ status: 'dead', error: { class: 'permanent', message: 'slack.send: chat.postMessage to #nowhere failed: channel_not_found' } });
    expect(dead.steps[0]).toMatchObject({ attempts: 1 });
    await expect.poll(() => slack.posted().some((p) => p.channel === '#alerts' && p.text?.includes(runId)), { timeout: 10_000 }).toBe(true);
  });

  it('issue 9 #4: the dead-run alert job and its Slack text carry the redacted error, never the address it echoed', async () => {
    const { runId } = await runOf([{ id: 'ops', type: 'slack.send', retries: 0, config: { channel: '#dana.levi@example.com', text: 'x' } }]);
    const dead = await settled(runId);
    expect(dead.error).toMatchObject({ class: 'permanent', message: 'slack.send: chat.postMessage to #d***@example.com failed: channel_not_found' });
    await expect.poll(() => slack.posted().some((p) => p.channel === '#alerts' && p.text?.includes(runId)), { timeout: 10_000 }).toBe(true);
    const jobs = await t.app.get(QueuesService).get('maintenance').getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    const job = jobs.find((j) => j?.name === 'dead-run-alert' && (j.data as { runId?: string }).runId === runId);
    expect(job?.data.error.message).toBe('slack.send: chat.postMessage to #d***@example.com failed: channel_not_found');
    expect(slack.posted().find((p) => p.channel === '#alerts' && p.text?.includes(runId))!.text).not.toContain('dana.levi@example.com');
  });
});
