import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { LogService } from '../src/logs/log-write.service';
import { EXAMPLES_DIR } from '../src/seed/demo';
import { seed } from '../src/seed/seed';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { FakeMetaWhatsApp } from './support/providers/meta-wa-api';
import { FakeSlack } from './support/providers/slack-api';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/** The "application status update" demo (examples/workflows) against local WhatsApp and Slack servers. */
let infra: TestInfra;
let t: TestApp;
const slack = new FakeSlack();
const meta = new FakeMetaWhatsApp();
let key: string;
const demo = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, 'application-status-update.json'), 'utf8'));

beforeAll(async () => {
  infra = await createTestInfra();
  await Promise.all([slack.start(), meta.start()]);
  t = await createTestApp(infra, {
    role: 'all',
    env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.base, WHATSAPP_PROVIDER: 'meta', META_WA_TOKEN: meta.token, META_WA_PHONE_NUMBER_ID: meta.phoneNumberId, META_WA_API_URL: meta.base },
  });
  await seed(t.runtime);
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs', 'read_logs'])).key;
});
afterAll(async () => {
  await t?.close();
  await Promise.all([slack.stop(), meta.stop()]);
  await infra?.cleanup();
});

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });

const settled = (runId: string) => settledRun(t, { 'x-api-key': key }, runId);

describe('the application status update demo', () => {
  it('by hand: each applicant gets WhatsApp in their language, ops get a Slack summary; run and logs recorded, PII redacted', async () => {
    const created = await call('POST', '/api/v1/workflows', demo);
    expect(created.statusCode, created.body).toBe(201);
    const workflowId = created.json().id;
    await call('PATCH', `/api/v1/workflows/${workflowId}`, { enabled: true });
    const applicants = [
      { name: 'דנה', phone: '+972501234567', locale: 'he-IL', applicationId: 'IL-1', status: 'אושר' },
      { name: 'Sam', phone: '+14155550123', locale: 'en-US', applicationId: 'US-2', status: 'approved' },
    ];
    const accepted = await call('POST', `/api/v1/workflows/${workflowId}/trigger`, { applicants });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const run = await settled(accepted.json().runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([['notify-applicants', 'succeeded'], ['ops-summary', 'succeeded']]);
    // The API shows outputs redacted: WhatsApp contact ids are phone numbers.
    expect(run.steps[0]!.output).toEqual([
      { messageId: expect.stringMatching(/^wamid\./), contactId: '972****4567' },
      { messageId: expect.stringMatching(/^wamid\./), contactId: '141****0123' },
    ]);
    expect(run.input).toEqual({ applicants: [expect.objectContaining({ phone: '+972****4567' }), expect.objectContaining({ phone: '+141****0123' })] });

    const sent = meta.messages().slice(-2) as Array<{ to: string; template: { name: string; language: { code: string }; components: Array<{ parameters: Array<{ text: string }> }> } }>;
    expect(sent.map((m) => [m.to, m.template.language.code, m.template.components[0]!.parameters.map((p) => p.text)])).toEqual([
      ['972501234567', 'he', ['דנה', 'IL-1', 'אושר']],
      ['14155550123', 'en', ['Sam', 'US-2', 'approved']],
    ]);
    expect(slack.posted().at(-1)).toEqual({ channel: '#visa-ops', text: ':passport_control: Status update sent to 2 applicant(s): IL-1: אושר, US-2: approved' });

    await t.app.get(LogService).writer.flush();
    const logs = (await call('GET', `/api/v1/logs?runId=${accepted.json().runId}&limit=50`)).json().items as Array<{ message: string; payload: unknown; piiRedacted: boolean }>;
    expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(['run started', 'step notify-applicants succeeded', 'step ops-summary succeeded', 'run succeeded']));
    const text = JSON.stringify(logs);
    expect(text).not.toContain('+972501234567');
    expect(text).not.toContain('972501234567');
    expect(text).not.toContain('דנה');
  });

  it('from its schedule: a fire runs the trigger’s payload through the same steps', async () => {
    const everySecond = { ...demo, name: 'Application status update (every second)', triggers: demo.triggers.map((tr: { type: string }) => (tr.type === 'cron' ? { ...tr, schedule: '* * * * * *', jitterSeconds: 0 } : tr)).filter((tr: { type: string }) => tr.type !== 'webhook') };
    const created = await call('POST', '/api/v1/workflows', everySecond);
    expect(created.statusCode, created.body).toBe(201);
    const workflowId = created.json().id;
    let runId = '';
    await expect
      .poll(async () => {
        runId = (await call('GET', `/api/v1/runs?workflowId=${workflowId}&status=succeeded`)).json().items[0]?.id ?? '';
        return runId !== '';
      }, { timeout: 15_000, interval: 100 })
      .toBe(true);
    await call('PATCH', `/api/v1/workflows/${workflowId}`, { enabled: false });
    const run = await settled(runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: { type: 'cron' } });
    const payload = demo.triggers.find((tr: { type: string }) => tr.type === 'cron').payload;
    expect((run.steps[0]!.output as unknown[]).length).toBe(payload.applicants.length);
  });
});
