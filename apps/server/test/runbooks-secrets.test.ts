import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { runbook } from './support/runbook';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

// The DATA_ENCRYPTION_KEY part of this runbook is walked by crypto-rotate.test.ts.
const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const OLD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let infra: TestInfra;
let t: TestApp;
let admin = '';
let url = '';

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'gateway', env: { DATA_ENCRYPTION_KEY } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  admin = (await createKey(t, ['manage_keys', 'manage_workflows', 'trigger'])).key;
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

const book = runbook('rotating-secrets.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: admin, DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix, DATA_ENCRYPTION_KEY }));

const triggerWith = (apiKey: string, webhookKey: string) =>
  t.app.inject({ method: 'POST', url: `/api/v1/triggers/${webhookKey}`, headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, payload: '{}' });

const signed = (webhookKey: string, secret: string) => {
  const body = JSON.stringify({ applicationId: 'S-1' });
  const id = `msg_${randomBytes(6).toString('hex')}`;
  const at = new Date();
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/triggers/${webhookKey}`,
    payload: body,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) },
  });
};


describe('runbook: rotating secrets (API keys, webhook signing secrets)', () => {
  it('an API key rotated with a grace period: old and new both work, then revoke ends both', async () => {
    await createWorkflow(t, admin, webhookTrigger('partner-hook'));
    const partner = await createKey(t, ['trigger']);
    const list = await book.run('apikey-list');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(new RegExp(`^${partner.id}  ${partner.prefix}  active   test  \\[trigger\\]`, 'm'));

    const rotated = await book.run('apikey-rotate', { keyId: partner.id });
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const fresh = rotated.stdout.trim();
    expect(fresh).toMatch(/^vk_[A-Za-z0-9]+_[A-Za-z0-9]{43}$/);
    expect(fresh).not.toBe(partner.key);
    expect((await triggerWith(fresh, 'partner-hook')).statusCode).toBe(202);
    expect((await triggerWith(partner.key, 'partner-hook')).statusCode).toBe(202); // the grace period

    expect(await book.run('apikey-revoke', { keyId: partner.id })).toMatchObject({ code: 0, stdout: `revoked ${partner.id}\n` });
    await expect.poll(async () => [(await triggerWith(fresh, 'partner-hook')).statusCode, (await triggerWith(partner.key, 'partner-hook')).statusCode], { timeout: 10_000 }).toEqual([401, 401]);
  }, 120_000);

  it('a webhook signing secret rotated: the new one signs, the old one is refused at once', async () => {
    const { id: workflowId } = await createWorkflow(t, admin, { triggers: [{ type: 'webhook', key: 'signed-hook', signingSecret: OLD_SECRET }] });
    expect((await signed('signed-hook', OLD_SECRET)).statusCode).toBe(202);
    const rotated = await book.run('webhook-rotate', { workflowId, webhookKey: 'signed-hook' });
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const [secret, version] = rotated.stdout.trim().split('\n');
    expect(secret).toMatch(/^whsec_/);
    expect(version).toBe('1.0.1');
    expect((await signed('signed-hook', secret!)).statusCode).toBe(202);
    expect((await signed('signed-hook', OLD_SECRET)).statusCode).toBe(401);
  }, 60_000);

  it('a key without the scopes of the key it rotates is refused, and the runbook prints why', async () => {
    const partner = await createKey(t, ['trigger', 'read_runs']);
    const refused = await book.run('apikey-rotate', { keyId: partner.id });
    expect(refused).toMatchObject({ code: 0, stdout: 'refused: An API key cannot rotate a key with scopes it does not hold itself: read_runs.\n' });
  }, 60_000);

  it('a bad key id is refused with one line', async () => {
    const revoke = await book.run('apikey-revoke', { keyId: '00000000-0000-4000-8000-000000000000' });
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toBe('visapi: No API key has this id\n');
  }, 60_000);
});
