import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { adminQuery } from './support/databases';
import { runbook } from './support/runbook';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const canaryKey = `canary-${randomBytes(3).toString('hex')}`;
let infra: TestInfra;
let proxy: TcpProxy;
let databaseUrl = '';
let t: TestApp;
let key = '';
let url = '';

beforeAll(async () => {
  infra = await createTestInfra();
  const proxied = await TcpProxy.forUrl(infra.databaseUrl);
  proxy = proxied.proxy;
  databaseUrl = proxied.url;
  // Gateway and worker in one process, both reaching PostgreSQL only through the proxy.
  t = await createTestApp({ ...infra, databaseUrl }, { role: 'all', env: { DATA_ENCRYPTION_KEY } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  await Promise.all([t.app.get(ApiKeysService).ready, t.app.get(WorkflowCatalog).ready]);
  key = (await createKey(t, ['manage_workflows', 'trigger', 'read_runs'], { rateLimit: { burst: 10_000, perSecond: 1_000 } })).key;
});
afterAll(async () => {
  proxy?.restore();
  await t?.close();
  await proxy?.close();
  await infra?.cleanup();
});

const book = runbook('postgresql-outage.md', () => ({ VISAPI_URL: url, VISAPI_API_KEY: key, DATABASE_URL: databaseUrl, REDIS_URL: infra.redisUrl, REDIS_PREFIX: infra.redisPrefix, DATA_ENCRYPTION_KEY }));

describe('runbook: PostgreSQL outage', () => {
  it('the database goes away: health names it, the canary still gets 202; once back, migrate is a no-op and the runs finish', async () => {
    await createWorkflow(t, key, { ...webhookTrigger(canaryKey), steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }] });
    // The canary as it runs every day: its key and workflow are in the caches when the outage starts.
    expect(await book.run('canary', { canaryKey })).toMatchObject({ code: 0, stdout: '202\n' });

    proxy.cut();
    const diagnose = await book.run('diagnose');
    expect(diagnose.code, diagnose.stderr).toBe(0);
    const lines = diagnose.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: 'error', database: { status: 'down' } });
    expect(lines.at(-1)).toBe('pg_isready: PostgreSQL does not accept connections');

    const during = await book.run('canary', { canaryKey });
    expect(during).toMatchObject({ code: 0, stdout: '202\n' });

    proxy.restore();
    expect(await book.run('migrate')).toMatchObject({ code: 0, stdout: 'schema up to date\n' });
    await expect
      .poll(
        async () => {
          const verify = await book.run('verify');
          const [ready, health, ...runs] = verify.stdout.trim().split('\n');
          return [ready?.endsWith('accepting connections'), health, runs.filter((r) => r.endsWith(' succeeded')).length];
        },
        { timeout: 30_000, interval: 250 },
      )
      .toEqual([true, 'ok', 2]);
    // The log row the gateway wrote while the database was away was buffered, then written.
    const newest = (await book.run('verify')).stdout.trim().split('\n')[2]!.split(' ')[0]!;
    await expect.poll(async () => (await adminQuery(infra.databaseUrl, `SELECT message FROM logs WHERE run_id = '${newest}' AND message LIKE 'run queued%'`)).length, { timeout: 10_000 }).toBe(1);
  }, 120_000);
});
