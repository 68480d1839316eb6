import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/platform/db/database';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { WorkflowCatalog } from '../src/workflows/workflow-catalog';
import { createKey } from './support/auth-helpers';
import { createTestApp } from './support/test-app';
import { freePort, spawnVisapi, type VisapiProcess, waitForHealthy } from './support/processes';
import { createTestInfra, type TestInfra } from './support/test-infra';
import { createWorkflow, webhookTrigger } from './support/workflows';

const run = promisify(execFile);

/**
 * The URLs managed services hand out, as VisAPI reads them: `rediss://` with a password to a
 * TLS-only redis-server whose certificate a private CA signed (trusted with NODE_EXTRA_CA_CERTS),
 * and libpq's `sslmode=` reaching the PostgreSQL driver.
 */
let infra: TestInfra;
let dir: string;
let redis: ChildProcess | undefined;
let redisPort: number;
const processes: VisapiProcess[] = [];

/** A CA, and a certificate for localhost signed by it. */
async function makeCertificates(into: string) {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: into });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=visapi-test-ca');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(into, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  await openssl('x509', '-req', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'redis.crt', '-days', '1', '-extfile', 'san.ext');
}

beforeAll(async () => {
  infra = await createTestInfra();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-tls-'));
  await makeCertificates(dir);
  redisPort = await freePort();
  // prettier-ignore
  redis = spawn('redis-server', [
    '--port', '0', '--tls-port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--tls-cert-file', 'redis.crt', '--tls-key-file', 'redis.key', '--tls-ca-cert-file', 'ca.crt', '--tls-auth-clients', 'no',
    '--requirepass', 'tls-secret', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
  ], { cwd: dir, stdio: 'ignore' });
}, 60_000);

afterAll(async () => {
  for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  if (redis && redis.exitCode === null) {
    const exited = new Promise((r) => redis!.once('exit', r));
    redis.kill('SIGKILL');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await infra?.cleanup();
});

describe('managed-service URLs', () => {
  it('a worker runs on rediss://:password@host (TLS, certificate checked against a CA the process trusts)', async () => {
    const port = await freePort();
    const proc = spawnVisapi(['--role', 'worker'], {
      DATABASE_URL: infra.databaseUrl,
      REDIS_URL: `rediss://:tls-secret@localhost:${redisPort}`,
      REDIS_PREFIX: infra.redisPrefix,
      WORKER_METRICS_PORT: String(port),
      MIGRATE_ON_START: 'false',
      NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.crt'),
    });
    processes.push(proc);
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc, 60_000);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { checks: { redis: { status: string } } };
    expect(health.checks.redis.status).toBe('up');
    // The durability check read the TLS server's settings: no warning about them.
    expect(proc.output()).not.toMatch(/appendonly=no|maxmemory-policy=/);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 90_000);

  it('REDIS_WAIT_REPLICAS on a Redis without replicas: 503 saying the run was queued but not confirmed', async () => {
    const gateway = await createTestApp(infra, { role: 'gateway', env: { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '50' } });
    try {
      await Promise.all([gateway.app.get(ApiKeysService).ready, gateway.app.get(WorkflowCatalog).ready]);
      const key = (await createKey(gateway, ['manage_workflows', 'trigger'])).key;
      await createWorkflow(gateway, key, webhookTrigger('unconfirmed'));
      const res = await gateway.app.inject({ method: 'POST', url: '/api/v1/triggers/unconfirmed', headers: { 'x-api-key': key, 'idempotency-key': 'unconfirmed-1' }, payload: {} });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/queued but no Redis replica confirmed it in time;.*same Idempotency-Key/);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('DATABASE_URL’s sslmode reaches the PostgreSQL driver: disable connects, require asks the server for TLS', async () => {
    const withMode = (mode: string) => {
      const url = new URL(infra.databaseUrl);
      url.searchParams.set('sslmode', mode);
      return url.toString();
    };
    const plain = createDatabase(withMode('disable'), 1);
    let serverSsl: string;
    try {
      await plain.ping(5_000);
      serverSsl = (await plain.pool.query<{ ssl: string }>('show ssl')).rows[0]!.ssl;
    } finally {
      await plain.close();
    }
    const strict = createDatabase(withMode('verify-full'), 1);
    try {
      if (serverSsl === 'off') {
        // A driver that ignored sslmode would connect; one that reads it asks for TLS and is refused.
        await expect(strict.ping(5_000)).rejects.toThrow(/does not support SSL/);
      } else {
        // TLS, or a refused certificate — never a plain connection.
        const got = await strict.pool.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()').then((r) => String(r.rows[0]!.ssl), (e: Error) => e.message);
        expect(got).toMatch(/^true$|certificate/);
      }
    } finally {
      await strict.close();
    }
  }, 30_000);
});
