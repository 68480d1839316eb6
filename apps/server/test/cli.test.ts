import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { adminQuery, databaseUrlFor } from './support/databases';
import { runCli } from './support/processes';

const admin = () => inject('adminDatabaseUrl');
const name = `visapi_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
let url: string;

afterAll(async () => {
  await adminQuery(admin(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

const env = () => ({ DATABASE_URL: url, REDIS_URL: inject('redisUrl'), ADMIN_EMAILS: 'Root@Example.com,ops@example.com' });

describe('visapi CLI', () => {
  it('migrate applies the schema once, then reports it up to date', async () => {
    await adminQuery(admin(), `CREATE DATABASE ${name}`);
    url = databaseUrlFor(admin(), name);
    const first = await runCli(['migrate', '--json'], env());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await runCli(['migrate'], env());
    expect(second).toMatchObject({ code: 0, stdout: 'schema up to date\n' });
  });

  it('seed makes ADMIN_EMAILS admins, idempotently', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await runCli(['seed', '--json'], env());
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ admins: ['root@example.com', 'ops@example.com'] });
    }
    const users = await adminQuery(url, 'SELECT email, role FROM users ORDER BY email');
    expect(users).toEqual([
      { email: 'ops@example.com', role: 'admin' },
      { email: 'root@example.com', role: 'admin' },
    ]);
  });

  it('openapi prints an OpenAPI 3.1 document without needing a database', async () => {
    const res = await runCli(['openapi'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/healthz']).toBeDefined();
  });

  it('fails with one line and a non-zero code for an unknown command, a bad flag or a bad config', async () => {
    const unknown = await runCli(['frobnicate'], env());
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('visapi: unknown command "frobnicate" (visapi help lists them)\n');
    const badFlag = await runCli(['migrate', '--nope'], env());
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
    const badConfig = await runCli(['migrate'], { ...env(), DATABASE_URL: 'mysql://x' });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/^visapi: Invalid configuration: DATABASE_URL/);
  });

  it('help lists the commands', async () => {
    const res = await runCli(['help'], {});
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/migrate[\s\S]*seed[\s\S]*openapi/);
  });
});
