import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { QueuesService } from '../src/queues/queues.service';
import { WORKFLOW_CACHE_TTL_MS, WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

/**
 * Issue 16, game-day scenario 3: while PostgreSQL is down, a webhook whose API key and workflow
 * the gateway knows is answered 202 even after their cache entries expired (the last good
 * entry); a key revoked before the outage is never served from it, and a key or webhook never
 * seen is 503.
 */
let infra: TestInfra;
let proxy: TcpProxy;
let gw: TestApp;
let caller: string;
let revokedKey: string;
let revokedId: string;
let admin: string;
const hookKey = 'robust-stale';
const API_KEY_CACHE_TTL_MS = 60_000;

beforeAll(async () => {
  infra = await createTestInfra();
  const proxied = await TcpProxy.forUrl(infra.databaseUrl);
  proxy = proxied.proxy;
  gw = await createTestApp({ ...infra, databaseUrl: proxied.url }, { role: 'gateway', env: { API_KEY_CACHE_TTL_MS: String(API_KEY_CACHE_TTL_MS) } });
  await Promise.all([gw.app.get(ApiKeysService).ready, gw.app.get(WorkflowCatalog).ready]);
  admin = (await createKey(gw, ['manage_workflows', 'manage_keys', 'trigger'])).key;
  caller = (await createKey(gw, ['trigger'])).key;
  ({ key: revokedKey, id: revokedId } = await createKey(gw, ['trigger']));
  await createWorkflow(gw, admin, webhookTrigger(hookKey));
});
afterEach(() => {
  vi.useRealTimers();
  proxy.restore();
});
afterAll(async () => {
  proxy?.restore();
  await gw?.close();
  await proxy?.close();
  await infra?.cleanup();
});

const trigger = (key: string, hook = hookKey) =>
  gw.app.inject({ method: 'POST', url: `/api/v1/triggers/${hook}`, headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: { at: 'outage' } });

describe('PostgreSQL down: ingestion from the last good cache entries', () => {
  it('known key and workflow, entries expired: 202 and the run is queued; revoked, unknown: 503, never 202', async () => {
    // Both keys and the workflow are in the caches; then one key is revoked (its entry dropped everywhere).
    for (const key of [caller, revokedKey]) expect((await trigger(key)).statusCode).toBe(202);
    const revoked = await gw.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${revokedId}`, headers: { 'x-api-key': admin } });
    expect(revoked.statusCode, revoked.body).toBe(204);

    proxy.cut();
    // Every entry past its TTL (only Date is faked: the sockets and timers run for real).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + Math.max(WORKFLOW_CACHE_TTL_MS, API_KEY_CACHE_TTL_MS) + 5_000);

    const accepted = await trigger(caller);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const job = await gw.app.get(QueuesService).get('default').getJob(accepted.json().runId);
    expect(job?.id).toBe(accepted.json().runId);

    // Its last entry was dropped by the revocation, and it cannot be read again: refused.
    const refusedRevoked = await trigger(revokedKey);
    expect(refusedRevoked.statusCode, refusedRevoked.body).toBe(503);
    expect((await trigger(caller, 'never-seen-hook')).statusCode).toBe(503);
    expect(proxy.refused).toBeGreaterThan(0); // the loads did try the database
  });
});
