import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SHIPPED_TEMPLATES } from '../src/templates/shipped-templates';
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

  it('seed makes ADMIN_EMAILS admins and adds the shipped templates, idempotently', async () => {
    for (const templatesAdded of [SHIPPED_TEMPLATES.length, 0]) {
      const res = await runCli(['seed', '--json'], env());
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ admins: ['root@example.com', 'ops@example.com'], templatesAdded });
    }
    const users = await adminQuery(url, 'SELECT email, role FROM users ORDER BY email');
    expect(users).toEqual([
      { email: 'ops@example.com', role: 'admin' },
      { email: 'root@example.com', role: 'admin' },
    ]);
  });

  it('apikey:create prints the key once; list shows it without a secret; revoke ends it', async () => {
    const created = await runCli(['apikey:create', '--label', 'partner', '--scopes', 'trigger,read_logs', '--expires-in-days', '30', '--json'], env());
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(Object.keys(key).sort()).toEqual(['expiresAt', 'id', 'key', 'prefix', 'scopes']);
    expect(key.key).toMatch(new RegExp(`^vk_${key.prefix}_[A-Za-z0-9]{43}$`));
    expect(key.scopes).toEqual(['trigger', 'read_logs']);
    expect(Math.round((new Date(key.expiresAt).getTime() - Date.now()) / 86_400_000)).toBe(30);

    const listed = await runCli(['apikey:list', '--json'], env());
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((k: { id: string }) => k.id)).toContain(key.id);
    expect(listed.stdout).not.toContain(key.key.split('_')[2]);

    const revoked = await runCli(['apikey:revoke', key.id], env());
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${key.id}\n` });
    const [row] = await adminQuery(url, `SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE id = '${key.id}'`);
    expect(row).toEqual({ revoked: true });
    const audit = await adminQuery(url, `SELECT message FROM logs WHERE payload->>'target' = 'api_key:${key.id}' ORDER BY id`);
    expect(audit.map((r) => r.message)).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it.each([
    [['apikey:create', '--label', 'x', '--scopes', 'trigger,root'], /--scopes: .*scopes: trigger, read_logs/],
    [['apikey:create', '--label', 'x', '--scopes', 'trigger', '--expires-in-days', '400'], /--expires-in-days/],
    [['apikey:create', '--scopes', 'trigger'], /--label/],
    [['apikey:revoke', 'nope'], /takes the key id/],
    [['apikey:revoke', '00000000-0000-4000-8000-000000000000'], /No API key has this id/],
    [['user:role', 'someone@example.com', 'emperor'], /usage: visapi user:role EMAIL viewer\|operator\|admin/],
    [['user:role', 'ghost@example.com', 'admin'], /No user has the address ghost@example.com/],
  ])('refuses %j with one line', async (args, message) => {
    const res = await runCli(args, env());
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('user:role changes the role of an existing user, with an audit row', async () => {
    const res = await runCli(['user:role', 'root@example.com', 'operator', '--json'], env());
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ email: 'root@example.com', role: 'operator' });
    const audit = await adminQuery(url, `SELECT message, payload->>'to' AS "to" FROM logs WHERE message = 'user.role_changed'`);
    expect(audit).toEqual([{ message: 'user.role_changed', to: 'operator' }]);
  });

  it('workflow:import creates, then publishes a new version; workflow:export prints the definition', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-cli-'));
    const file = path.join(dir, 'wf.json');
    const definition = { name: 'CLI flow', version: '1.0.0', steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }] };
    fs.writeFileSync(file, JSON.stringify(definition));
    const created = await runCli(['workflow:import', file, '--json'], env());
    expect(created.stderr).toBe('');
    const { id, created: isNew } = JSON.parse(created.stdout);
    expect(isNew).toBe(true);
    fs.writeFileSync(file, JSON.stringify({ ...definition, version: '1.1.0' }));
    const published = await runCli(['workflow:import', file], env());
    expect(published.stdout).toBe(`published "CLI flow" 1.1.0 (${id})\n`);
    const exported = await runCli(['workflow:export', id], env());
    expect(JSON.parse(exported.stdout)).toMatchObject({ name: 'CLI flow', version: '1.1.0', steps: [{ id: 'wait', retries: 3 }] });

    fs.writeFileSync(file, JSON.stringify({ ...definition, version: '1.0.5' }));
    const stale = await runCli(['workflow:import', file], env());
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe('visapi: version 1.0.5 is not greater than the current 1.1.0: $.version must be greater than 1.1.0\n');
    fs.writeFileSync(file, '{ not json');
    const broken = await runCli(['workflow:import', file], env());
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^visapi: .*wf\.json: /);
    fs.writeFileSync(file, JSON.stringify({ name: 'Bad', version: 'x', steps: [] }));
    const invalid = await runCli(['workflow:import', file], env());
    expect(invalid.stderr).toMatch(/^visapi: The workflow definition is invalid: .*\$\.version/);
  });

  it('issue 9 #2: workflow:export leaves signing secrets out unless --with-secrets; an export without them still imports', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-cli-')), 'signed.json');
    const definition = {
      name: 'Signed CLI flow',
      version: '1.0.0',
      triggers: [{ type: 'webhook', key: 'cli-signed', signingSecret: secret }, { type: 'webhook', key: 'cli-open' }],
      steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }],
    };
    fs.writeFileSync(file, JSON.stringify(definition));
    const { id } = JSON.parse((await runCli(['workflow:import', file, '--json'], env())).stdout);

    const exported = await runCli(['workflow:export', id], env());
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).not.toContain(secret.slice(6));
    expect(JSON.parse(exported.stdout).triggers).toEqual([{ type: 'webhook', key: 'cli-signed', signed: true }, { type: 'webhook', key: 'cli-open' }]);
    const withSecrets = await runCli(['workflow:export', id, '--with-secrets'], env());
    expect(JSON.parse(withSecrets.stdout).triggers).toEqual(definition.triggers);

    // The export without secrets, published again over the same workflow, keeps the stored secret.
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(exported.stdout), version: '1.0.1' }));
    const republished = await runCli(['workflow:import', file], env());
    expect(republished).toMatchObject({ code: 0, stderr: '', stdout: `published "Signed CLI flow" 1.0.1 (${id})\n` });
    expect(JSON.parse((await runCli(['workflow:export', id, '--with-secrets'], env())).stdout).triggers[0].signingSecret).toBe(secret);

    // Imported as a new workflow (as into another instance), a signed trigger has no secret to keep: it comes in unsigned, and says so.
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(exported.stdout), name: 'Signed CLI copy', triggers: [{ type: 'webhook', key: 'cli-copy', signed: true }] }));
    const imported = await runCli(['workflow:import', file], env());
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    const [line, note] = imported.stdout.trimEnd().split('\n');
    expect(line).toMatch(/^created "Signed CLI copy" 1\.0\.0 \(.+\)$/);
    expect(note).toBe('webhook cli-copy was signed in the file, which has no secret: it now takes API keys only; rotate-secret gives it a new one');
    const copyId = /\(([0-9a-f-]{36})\)$/.exec(line!)![1]!;
    expect(JSON.parse((await runCli(['workflow:export', copyId, '--with-secrets'], env())).stdout).triggers).toEqual([{ type: 'webhook', key: 'cli-copy' }]);
    const audit = await adminQuery(url, `SELECT message FROM logs WHERE payload->>'target' = 'workflow:${id}' AND message = 'workflow.secrets_exported'`);
    expect(audit).toHaveLength(2);
  }, 60_000);

  it('openapi prints an OpenAPI 3.1 document without needing a database', async () => {
    const res = await runCli(['openapi'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/healthz']).toBeDefined();
    // Routes that answer a Redis-unavailable 503 of their own document it, with Retry-After.
    for (const [path, method, says] of [
      ['/api/v1/runs/{id}/retry', 'post', 'The queue is unavailable'],
      ['/api/v1/queues', 'get', 'The queues could not be read'],
      ['/api/v1/api-keys/{id}/rotate', 'post', 'Not rotated'],
    ] as const) {
      const unavailable = doc.paths[path][method].responses['503'];
      expect(unavailable.description, path).toContain(says);
      expect(Object.keys(unavailable.headers), path).toEqual(['Retry-After']);
    }
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
