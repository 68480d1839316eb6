import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { EXAMPLES_DIR } from '../src/seed/demo';
import { seed } from '../src/seed/seed';
import { createObjectStorage } from '../src/storage/create-storage';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { settledRun } from './support/runs';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * SPEC §4's example as shipped (examples/workflows/visa-approved.json), end to end in sandbox
 * mode: no connector credentials, so the WhatsApp and Slack messages land in the outbox; the
 * letter is a real PDF rendered by Chromium into the local storage driver.
 * Needs pdf.generate (issue 12's PDF connector) and pdftotext (poppler-utils).
 */
let infra: TestInfra;
let t: TestApp;
let key: string;
let workflowId: string;
const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-example-'));
const example = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, 'visa-approved.json'), 'utf8'));

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, {
    role: 'all',
    env: { PUBLIC_URL: 'http://visapi.test', STORAGE_DIR: storageDir, FILE_SIGNING_KEY: 'example-test-signing-key-0123456789abcdef' },
  });
  await seed(t.runtime);
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs'])).key;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });

const pdfText = (body: Buffer) => {
  const file = path.join(storageDir, 'letter-under-test.pdf');
  fs.writeFileSync(file, body);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
};

type OutboxRow = { connector: string; stepId: string; recipient: string | null; payload: { text?: string; template?: { parameters?: string[] } } };

describe('the SPEC §4 example, as shipped', () => {
  it('imports as it is, with no signing secret, no cron trigger, and its inputSchema', async () => {
    expect(example.triggers).toEqual([{ type: 'webhook', key: 'visa-approved' }, { type: 'manual' }]);
    expect(JSON.stringify(example)).not.toContain('whsec_');
    const created = await call('POST', '/api/v1/workflows', example);
    expect(created.statusCode, created.body).toBe(201);
    workflowId = created.json().id;
    const refused = await call('POST', `/api/v1/workflows/${workflowId}/trigger`, { applicant: { firstName: 'Dana' } });
    expect(refused.statusCode, refused.body).toBe(422);
  });

  it.each([
    ['no locale (English)', undefined, { firstName: 'Dana', lastName: 'Levi' }, 'IL-2026-0042', 'Israel'],
    ['he', 'he', { firstName: 'דנה', lastName: 'לוי' }, 'IL-2026-0043', 'ישראל'],
  ])('triggered by hand (%s): a real PDF letter in storage, its link on WhatsApp, the summary on Slack', async (_, locale, names, applicationId, country) => {
    const applicant = { ...names, phone: '+972541234567', email: 'dana@example.com' };
    const accepted = await call('POST', `/api/v1/workflows/${workflowId}/trigger`, { applicant, applicationId, country, locale, visaType: 'B2', validUntil: '2027-11-30' });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const runId = accepted.json().runId as string;
    const run = await settledRun(t, { 'x-api-key': key }, runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([['letter', 'succeeded'], ['notify', 'succeeded'], ['ops', 'succeeded']]);

    // The letter: a key into storage and its page count; the 24-hour link is redacted in the run view.
    const letter = run.steps[0]!.output as { key: string; pages: number; url: string };
    expect(letter.key).toMatch(/^pdf\//);
    expect(letter.pages).toBeGreaterThanOrEqual(1);
    const stored = await createObjectStorage(t.runtime.config).get(letter.key);
    expect(stored?.contentType).toBe('application/pdf');
    // In the applicant's language (the letter step passes the input's locale).
    const text = pdfText(stored!.body);
    expect(text).toContain(names.firstName);
    expect(text).toContain(names.lastName);

    // Sandbox: what the applicant and ops would have read.
    const rows = (await call('GET', `/api/v1/outbox?runId=${runId}`)).json().items as OutboxRow[];
    const whatsapp = rows.find((r) => r.connector === 'whatsapp.send')!;
    expect(whatsapp.recipient).toBe('+972541234567');
    const link = whatsapp.payload.text!.match(/http:\/\/visapi\.test\/files\/\S+/)?.[0];
    expect(link, whatsapp.payload.text).toBeDefined();
    expect(link).toContain(letter.key.split('/').at(-1)!);
    expect(JSON.stringify(run.steps[0]!.output), 'the signed link is redacted in the run view').not.toContain(link!);
    expect(whatsapp.payload.text).toMatch(locale === 'he' ? /^בשורה טובה, דנה!/ : /^Good news, Dana!/);
    expect(whatsapp.payload.template?.parameters).toEqual(['name', 'letter']);
    // The link serves the letter.
    const download = await t.app.inject({ method: 'GET', url: link!.replace('http://visapi.test', '') });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toContain('application/pdf');

    const slack = rows.find((r) => r.connector === 'slack.send')!;
    expect(slack.recipient).toBe('#visa-ops');
    expect(slack.payload.text).toContain(`${names.firstName} ${names.lastName}`);
    expect(slack.payload.text).toContain(applicationId);
    // The ops step names no locale: ops read the default (English) text, whatever the applicant's.
    expect(slack.payload.text).toMatch(/^:white_check_mark: Visa approved: .+ Approval letter generated \(\d+ pages?\)\. Run /);
    expect(slack.payload.text).not.toContain('/files/');
  });
});
