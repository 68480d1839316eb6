import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, shownValue } from './config';
import { configSchema } from './config.schema';

describe('loadConfig', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      VISAPI_ROLE: 'all',
      PORT: 3000,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'http://localhost:3000',
      REDIS_PREFIX: '{visapi}',
      SHUTDOWN_GRACE_MS: 30_000,
      SHUTDOWN_DRAIN_DELAY_MS: 5_000,
      WORKER_METRICS_PORT: 9464,
      ADMIN_EMAILS: [],
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.dataDir).toMatch(/\/\.visapi$/);
  });

  it('derives PUBLIC_URL from PORT and trims a trailing slash from a given one', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://visapi.example.com/' }).PUBLIC_URL).toBe('https://visapi.example.com');
  });

  it('RUNBOOK_BASE_URL: ${PUBLIC_URL}/docs/runbooks/ by default, always ending in a slash; runbooksDir is the checkout\'s docs/runbooks', () => {
    expect(loadConfig({}).RUNBOOK_BASE_URL).toBe('http://localhost:3000/docs/runbooks/');
    expect(loadConfig({ PUBLIC_URL: 'https://visapi.example.com/' }).RUNBOOK_BASE_URL).toBe('https://visapi.example.com/docs/runbooks/');
    expect(loadConfig({ RUNBOOK_BASE_URL: 'https://wiki.example.com/visapi/runbooks' }).RUNBOOK_BASE_URL).toBe('https://wiki.example.com/visapi/runbooks/');
    expect(() => loadConfig({ RUNBOOK_BASE_URL: 'docs/runbooks/' })).toThrow(/^Invalid configuration: RUNBOOK_BASE_URL/);
    const dir = loadConfig({}).runbooksDir;
    expect(dir).toBe(path.resolve(__dirname, '../../../../../docs/runbooks'));
    expect(fs.existsSync(path.join(dir, 'stripe-refund-failure.md'))).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });

  it('parses comma-separated lists, lower-cased', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Ops@Example.com, ,b@example.com ' }).ADMIN_EMAILS).toEqual([
      'ops@example.com',
      'b@example.com',
    ]);
  });

  it('TRUST_PROXY: nobody by default; true/false, a hop count, or a list of addresses and CIDRs', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['yes please', '10.0.0.0/33', '10.0.0.300', '10.0.0.1,', 'proxy.internal']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/^Invalid configuration: TRUST_PROXY must be true, false, a hop count/);
    }
  });

  it('a role given on the command line wins over VISAPI_ROLE', () => {
    expect(loadConfig({ VISAPI_ROLE: 'gateway' }, { role: 'worker' }).VISAPI_ROLE).toBe('worker');
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT .*\(got "abc"\)$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT .*65535/],
    [{ VISAPI_ROLE: 'boss' }, /^Invalid configuration: VISAPI_ROLE .*\(got "boss"\)$/],
    [{ DATABASE_URL: 'mysql://localhost/x' }, /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//],
    [{ REDIS_URL: 'not a url' }, /^Invalid configuration: REDIS_URL must be a URL/],
    [{ SHUTDOWN_GRACE_MS: '-1' }, /^Invalid configuration: SHUTDOWN_GRACE_MS/],
    [{ MIGRATE_ON_START: 'maybe' }, /^Invalid configuration: MIGRATE_ON_START/],
    [{ REDIS_PREFIX: 'has space' }, /^Invalid configuration: REDIS_PREFIX must be 1-64 characters/],
    [{ LOG_PRUNE_CRON: 'nightly' }, /^Invalid configuration: LOG_PRUNE_CRON must be a cron expression/],
    [{ WHATSAPP_PROVIDER: 'twilio' }, /^Invalid configuration: WHATSAPP_PROVIDER .*\(got "twilio"\)$/],
    [{ SLACK_API_URL: 'slack.com/api' }, /^Invalid configuration: SLACK_API_URL must be a URL/],
    [{ DEFAULT_LOCALE: 'English' }, /^Invalid configuration: DEFAULT_LOCALE must be a locale/],
  ])('refuses %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it.each([
    [{ DATA_ENCRYPTION_KEY: 'hunter2-not-32-bytes' }, 'DATA_ENCRYPTION_KEY'],
    [{ SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/hunter2' }, 'SLACK_WEBHOOK_URL'],
    [{ DATABASE_URL: 'mysql://admin:hun@ter2@db/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://admin:hun/ter2@db/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'admin:hunter2@db:5432/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://db/x?sslmode=require&password=hunter2' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://:hunter2@cache:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'http://hunter2@cache:6379' }, 'REDIS_URL'],
    [{ SMTP_URL: 'mail://user:hunter2@smtp.example:587?auth_token=hunter2' }, 'SMTP_URL'],
  ])('issue 9 #16: names the variable and never prints a secret (%o)', (env, name) => {
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(message).not.toMatch(/hunter2|hun@|ter2/);
  });

  it('issue 9 #16: a bad URL is shown with its credentials masked, a secret-named variable not at all', () => {
    expect(shownValue('DATABASE_URL', 'mysql://admin:hunter2@db/x?sslmode=require&password=hunter2')).toBe(
      'mysql://admin:***@db/x?sslmode=require&password=***',
    );
    expect(shownValue('REDIS_URL', 'http://:hunter2@cache:6379')).toBe('http://***@cache:6379');
    expect(shownValue('REDIS_URL', 'http://hunter2@cache:6379')).toBe('http://***@cache:6379');
    expect(shownValue('PUBLIC_URL', 'visapi.example.com')).toBe('visapi.example.com');
  });

  it.each([
    ['DATABASE_URL', 'postgres://visapi:s3cr#t9Pa55@db:5432/visapi', 'postgres://visapi:***@db:5432/visapi'],
    ['REDIS_URL', 'redis://:Hunter#22@cache:6379', 'redis://***@cache:6379'],
    ['SMTP_URL', 'smtp://mailer:pa ss#word@smtp.example:587', 'smtp://mailer:***@smtp.example:587'],
    ['DATABASE_URL', 'postgres://u:p?ss/w@rd@db/x?password=hunter2', 'postgres://u:***@db/x?password=***'],
  ])('issue 9 review: a password with # ? / or @ in %s stays masked', (name, value, shown) => {
    expect(shownValue(name, value)).toBe(shown);
    expect(shownValue(name, value)).not.toMatch(/s3cr|Hunter|pa ss|p\?ss/);
    for (const name of ['DATA_ENCRYPTION_KEY', 'STRIPE_API_KEY', 'SLACK_BOT_TOKEN', 'CGB_API_KEY', 'META_WA_TOKEN', 'META_WA_PHONE_NUMBER_ID', 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD', 'WEBHOOK_SECRET']) {
      expect(shownValue(name, 'hunter2')).toBeUndefined();
    }
    expect(shownValue('PORT', 'abc')).toBe('abc');
    expect(shownValue('API_KEY_CACHE_TTL_MS', 'soon')).toBe('soon');
  });

  it('never echoes a password from a bad URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).toThrow(/admin:\*\*\*@db/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).not.toThrow(/hunter2/);
  });
});

describe('.env.example', () => {
  it('lists exactly the variables the server reads', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../../../../../.env.example'), 'utf8');
    const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(configSchema.shape).sort());
  });
});

describe('Redis settings (single, TLS, Cluster)', () => {
  it('REDIS_URL takes redis:// and rediss:// (TLS, as managed Redis gives it), and masks its password in errors', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://default:s3cret@redis.example.com:6380' }).REDIS_URL).toBe('rediss://default:s3cret@redis.example.com:6380');
    expect(() => loadConfig({ REDIS_URL: 'http://redis.example.com' })).toThrow(/^Invalid configuration: REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//);
    expect(shownValue('REDIS_URL', 'rediss://default:s3cret@redis.example.com:6380')).toBe('rediss://default:***@redis.example.com:6380');
  });

  it('REDIS_CLUSTER_NODES: host:port seeds, or redis[s]:// URLs that share scheme and credentials', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002' }).REDIS_CLUSTER_NODES).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }],
      tls: false,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'rediss://:p%40ss@a.cache.example.com:6379,rediss://:p%40ss@b.cache.example.com' }).REDIS_CLUSTER_NODES).toEqual({
      nodes: [{ host: 'a.cache.example.com', port: 6379 }, { host: 'b.cache.example.com', port: 6379 }],
      tls: true,
      password: 'p@ss',
    });
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it.each([
    ['redis-1', /entries must be host:port \(entry 1 is not\)/],
    ['a:7000,b:99999', /entry 2 is not/],
    [',', /must list at least one host:port/],
    ['redis://a:7000,rediss://b:7000', /mixes redis:\/\/ and rediss:\/\//],
    ['rediss://:x@a:7000,rediss://:y@b:7000', /different credentials/],
    ['redis://a:7000/2', /a Cluster has database 0 only/],
    ['http://a:7000', /entries must be host:port, redis:\/\/host:port or rediss:\/\/host:port/],
  ])('REDIS_CLUSTER_NODES=%j is refused with one line', (value, message) => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(message);
  });

  it('a Cluster needs a REDIS_PREFIX with a hash tag (all keys in one slot), and excludes REDIS_URL', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PREFIX: 'app{visapi}' }).REDIS_PREFIX).toBe('app{visapi}');
    for (const prefix of ['visapi', '{}visapi', '{visapi', 'visapi}{']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PREFIX: prefix })).toThrow(
        `Invalid configuration: REDIS_PREFIX must hold a Redis Cluster hash tag such as {visapi} when REDIS_CLUSTER_NODES is set (got ${JSON.stringify(prefix)})`,
      );
    }
    // A single Redis has no slots: any prefix will do.
    expect(loadConfig({ REDIS_PREFIX: 'visapi' }).REDIS_PREFIX).toBe('visapi');
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://b:6379' })).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES exclude each other/);
  });

  it('REDIS_WAIT_REPLICAS is off by default; REDIS_WAIT_TIMEOUT_MS bounds the wait', () => {
    expect(loadConfig({})).toMatchObject({ REDIS_WAIT_REPLICAS: 0, REDIS_WAIT_TIMEOUT_MS: 250 });
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '50' })).toMatchObject({ REDIS_WAIT_REPLICAS: 1, REDIS_WAIT_TIMEOUT_MS: 50 });
    expect(() => loadConfig({ REDIS_WAIT_REPLICAS: '-1' })).toThrow(/^Invalid configuration: REDIS_WAIT_REPLICAS/);
    for (const ms of ['0', '1001']) expect(() => loadConfig({ REDIS_WAIT_TIMEOUT_MS: ms })).toThrow(/^Invalid configuration: REDIS_WAIT_TIMEOUT_MS/);
  });

  it('DATABASE_URL keeps libpq parameters such as sslmode for the driver', () => {
    const url = 'postgres://visapi:pw@db.example.com:5432/visapi?sslmode=verify-full&sslrootcert=/etc/ssl/rds-ca.pem';
    expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    expect(shownValue('DATABASE_URL', 'postgres://visapi:pw@db.example.com/visapi?sslmode=require&password=pw')).toBe('postgres://visapi:***@db.example.com/visapi?sslmode=require&password=***');
  });
});
