import fs from 'node:fs';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, ROLES } from '../src/platform/config/config';
import { configSchema } from '../src/platform/config/config.schema';
import { healthTarget, parseDockerfile, type Stage } from './support/dockerfile';

/**
 * No container runtime here (a docker client without a daemon or registry): the Dockerfile,
 * compose.yaml and the proxy config are checked against the code they run (docs/deploy.md).
 */
const REPO = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(REPO, file), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const stage = (name: string) => dockerfile.stages.find((s) => s.name === name)!;
const runtimes: Record<string, Stage> = { gateway: stage('gateway'), worker: stage('worker') };

interface Service {
  image: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  expose?: string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  networks?: string[] | Record<string, { ipv4_address?: string }>;
}
const compose = parse(read('compose.yaml'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const visapiServices = services.filter(([, s]) => s.build);
const byTarget = (target: string) => visapiServices.filter(([, s]) => s.build!.target === target);
const nginx = read('deploy/nginx.conf');

const SCHEMA_KEYS = new Set(Object.keys(configSchema.shape));
const BUILD_TOOL_VARIABLES = ['PUPPETEER_SKIP_DOWNLOAD', 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD'];
const SECRET_NAME = /(?:_KEY|_TOKEN|_SECRET|_PASSWORD|_WEBHOOK_URL)$|^META_WA_|^SMTP_URL$|^DATABASE_URL$/;
const PLACEHOLDER = 'CHANGE_ME';

function envFile(file: string): Record<string, string> {
  const entries = read(file)
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}
const visapiEnv = envFile('deploy/visapi.env.example');

/** What a container of this compose service sees: image ENV, then env_file, then environment. */
function containerEnv(service: Service, fill: Record<string, string> = {}): Record<string, string> {
  return { ...runtimes[service.build!.target]!.env, ...visapiEnv, ...fill, ...service.environment };
}
/** What an operator puts in place of the placeholders. */
const FILLED = { DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), FILE_SIGNING_KEY: 'x'.repeat(32), METRICS_TOKEN: 'm'.repeat(32) };
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

describe('Dockerfile', () => {
  it('pins every base image by tag (never latest) and builds on the Node major the engines field names', () => {
    const stageNames = new Set<string>();
    for (const { name, from } of dockerfile.stages) {
      if (!stageNames.has(from) && from !== 'scratch') expect(from, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
      stageNames.add(name);
    }
    const major = /(\d+)/.exec(JSON.parse(read('package.json')).engines.node)![1];
    expect(stage('build').from).toMatch(new RegExp(`^node:${major}\\.`));
    expect(runtimes.gateway!.from).toBe(`gcr.io/distroless/nodejs${major}-debian12:nonroot`);
    expect(runtimes.worker!.from).toMatch(new RegExp(`^node:${major}\\.[\\d.]+-bookworm-slim$`));
  });

  it('sets only variables the config schema knows in the runtime images (build tools aside), with values it accepts', () => {
    for (const [target, s] of Object.entries(runtimes)) {
      expect(Object.keys(s.env).filter((k) => !SCHEMA_KEYS.has(k)), target).toEqual([]);
      expect(() => loadConfig(s.env, { role: target as 'gateway' })).not.toThrow();
    }
    for (const s of dockerfile.stages.filter((s) => !runtimes[s.name])) {
      expect(Object.keys(s.env).filter((k) => !BUILD_TOOL_VARIABLES.includes(k)), s.name).toEqual([]);
    }
  });

  it('runs each target as its real role, from the built main.js, as the same non-root user', () => {
    expect(fs.existsSync(path.join(REPO, 'apps/server/src/main.ts'))).toBe(true);
    expect(stage('app').copies).toContain('--from=build /app/apps/server/dist /app/apps/server/dist');
    for (const [target, s] of Object.entries(runtimes)) {
      // The gateway's young generation is smaller (docs/performance.md, issue 15 lever 2).
      expect(s.cmd, target).toEqual([...(target === 'gateway' ? ['--max-semi-space-size=4'] : []), 'apps/server/dist/main.js', '--role', target]);
      expect(ROLES).toContain(target);
      expect(s.user).toBe('65532:65532');
      expect(s.copies).toContain('--from=app /app /app');
    }
    expect(runtimes.worker!.entrypoint).toEqual(['/usr/bin/tini', '--', 'node']);
    expect(read('Dockerfile')).toMatch(/apt-get install[^\n]*\bchromium\b[^\n]*\bfonts-dejavu-core\b[^\n]*\btini\b/);
    expect(runtimes.worker!.env.CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });

  it('ships docs/runbooks where the gateway reads them (GET /docs/runbooks/{name}.md), and keeps them in the build context', () => {
    const relative = path.relative(path.resolve(__dirname, '../../..'), loadConfig({}).runbooksDir);
    expect(relative).toBe('docs/runbooks');
    expect(stage('app').copies).toContain(`--from=build /app/${relative} /app/${relative}`);
    expect(stage('build').copies).toContain('. .');
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['docs', 'docs/', 'docs/runbooks', 'docs/*', '**/*.md', '*.md']) expect(ignored, entry).not.toContain(entry);
  });

  it('health-checks /livez on the port each role listens on, which it exposes', () => {
    expect(read('apps/server/src/health/health.controller.ts')).toContain("@Get('livez')");
    const gateway = healthTarget(runtimes.gateway!.healthcheck!)!;
    expect(gateway).toEqual({ port: Number(runtimes.gateway!.env.PORT), path: '/livez', portVariable: 'PORT' });
    expect(runtimes.gateway!.expose).toEqual([gateway.port]);
    expect(runtimes.gateway!.healthcheck![0]).toBe('/nodejs/bin/node'); // distroless: no shell, no curl
    const worker = healthTarget(runtimes.worker!.healthcheck!)!;
    expect(worker).toEqual({ port: Number(runtimes.worker!.env.WORKER_METRICS_PORT), path: '/livez', portVariable: 'WORKER_METRICS_PORT' });
    expect(runtimes.worker!.expose).toEqual([worker.port]);
  });

  it('keeps dependencies, builds, data and env files out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', '.visapi', '.env', 'deploy/*.env']) expect(ignored).toContain(entry);
  });
});

describe('compose.yaml', () => {
  it('pins every pulled image by tag and builds ours from the Dockerfile targets', () => {
    for (const [name, s] of services) {
      if (s.build) expect(Object.keys(runtimes), name).toContain(s.build.target);
      else expect(s.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    expect(compose.services.postgres!.image).toMatch(/^postgres:18[-.]/);
    expect(byTarget('gateway')).toHaveLength(2);
    expect(byTarget('worker')).toHaveLength(2);
  });

  it('runs each service as the role of its image, with variables the config schema knows and accepts', () => {
    for (const [name, s] of visapiServices) {
      // The image's CMD (checked above to run its role) is the one place: compose does not repeat it.
      expect(s.command, name).toBeUndefined();
      const env = containerEnv(s, FILLED);
      expect(Object.keys(env).filter((k) => !SCHEMA_KEYS.has(k)), name).toEqual([]);
      const config = loadConfig(env, { role: s.build!.target as 'gateway' });
      expect(config.NODE_ENV).toBe('production');
      expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(config.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('agrees on ports and health checks: gateways, workers, and the proxy in front', () => {
    for (const [name, s] of byTarget('gateway')) {
      const port = Number(containerEnv(s).PORT);
      expect(s.expose, name).toEqual([String(port)]);
      expect(healthTarget(s.healthcheck!.test), name).toEqual({ port, path: '/livez' });
      expect(s.healthcheck!.test[1]).toBe(runtimes.gateway!.healthcheck![0]);
      expect(s.ports, `${name} is reached through the proxy only`).toBeUndefined();
    }
    for (const [name, s] of byTarget('worker')) {
      const port = Number(containerEnv(s).WORKER_METRICS_PORT);
      expect(s.expose, name).toEqual([String(port)]);
      expect(healthTarget(s.healthcheck!.test), name).toEqual({ port, path: '/livez' });
    }
    const proxy = compose.services.proxy!;
    const listen = Number(/listen (\d+);/.exec(nginx)![1]);
    expect(proxy.ports).toEqual([`${listen}:${listen}`]);
    expect(proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(proxy.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${listen}/proxy-health`);
    expect(nginx).toContain('location = /proxy-health');
  });

  it('keeps /metrics off the public port (the proxy answers 404), and gives the processes a metrics token', () => {
    expect(nginx).toMatch(/location = \/metrics \{\s*return 404;\s*\}/);
    expect(visapiEnv.METRICS_TOKEN).toBe(PLACEHOLDER);
  });

  it('points the proxy at every gateway on its port, round robin, and the gateways trust only the proxy', () => {
    const upstream = /upstream visapi_gateways \{([^}]*)\}/.exec(nginx)![1]!;
    const servers = [...upstream.matchAll(/server ([\w-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(byTarget('gateway').map(([name, s]) => `${name}:${containerEnv(s).PORT}`));
    expect(upstream).not.toMatch(/\b(least_conn|ip_hash|hash|random)\b/);
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');

    const proxyAddress = (compose.services.proxy!.networks as Record<string, { ipv4_address: string }>).visapi!.ipv4_address;
    expect(isIPv4(proxyAddress)).toBe(true);
    const [subnet, bits] = compose.networks.visapi!.ipam.config[0]!.subnet.split('/');
    expect(bits).toBe('24');
    expect(proxyAddress.split('.').slice(0, 3)).toEqual(subnet!.split('.').slice(0, 3));
    for (const [name, s] of byTarget('gateway')) {
      expect(loadConfig(containerEnv(s, FILLED)).TRUST_PROXY, name).toEqual([proxyAddress]);
    }
  });

  it('starts VisAPI after healthy PostgreSQL and Redis, and the proxy after healthy gateways', () => {
    for (const [name, s] of visapiServices) {
      expect(s.depends_on, name).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(s.healthcheck, name).toBeDefined();
    }
    expect(compose.services.postgres!.healthcheck!.test).toEqual(['CMD', 'pg_isready', '-U', 'visapi', '-d', 'visapi']);
    expect(compose.services.redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(compose.services.proxy!.depends_on).toEqual(
      Object.fromEntries(byTarget('gateway').map(([name]) => [name, { condition: 'service_healthy' }])),
    );
  });

  it('runs Redis with AOF and noeviction, and PostgreSQL with its data on a volume', () => {
    const redis = compose.services.redis!.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(compose.services.postgres!.volumes).toEqual(['postgres:/var/lib/postgresql']);
  });

  it('shares one storage folder between gateways and workers: the same STORAGE_DIR on the same volume', () => {
    const dirs = new Set<string>();
    for (const [name, s] of visapiServices) {
      const dir = containerEnv(s).STORAGE_DIR!;
      dirs.add(dir);
      expect(s.volumes, name).toContain(`files:${dir}`);
    }
    expect([...dirs]).toEqual(['/data/files']);
    expect(compose.volumes).toHaveProperty('files');
    for (const s of Object.values(runtimes)) expect(s.copies).toContain('--from=build --chown=65532:65532 /out/data /data');
  });

  it('gives each role time to drain before Docker kills it', () => {
    for (const [name, s] of byTarget('worker')) {
      expect(seconds(s.stop_grace_period!), name).toBeGreaterThan(Number(containerEnv(s).SHUTDOWN_GRACE_MS) / 1000);
    }
    for (const [name, s] of byTarget('gateway')) {
      expect(seconds(s.stop_grace_period!), name).toBeGreaterThan(Number(containerEnv(s).SHUTDOWN_DRAIN_DELAY_MS) / 1000);
    }
  });

  it('holds no secret: secret variables come from the env files, whose examples hold only placeholders that fail at boot', () => {
    for (const [name, s] of services) {
      for (const key of Object.keys(s.environment ?? {})) expect(SECRET_NAME.test(key), `${name} sets ${key}`).toBe(false);
    }
    for (const s of Object.values(runtimes)) expect(Object.keys(s.env).filter((k) => SECRET_NAME.test(k))).toEqual([]);
    for (const [name, s] of visapiServices) expect(s.env_file, name).toBe('deploy/visapi.env');
    expect(compose.services.postgres!.env_file).toBe('deploy/postgres.env');
    expect(read('.gitignore').split('\n')).toContain('deploy/*.env');

    expect(Object.keys(visapiEnv).filter((k) => !SCHEMA_KEYS.has(k))).toEqual([]);
    for (const [key, value] of Object.entries(visapiEnv)) {
      if (SECRET_NAME.test(key) && key !== 'DATABASE_URL') expect(['', PLACEHOLDER], key).toContain(value);
    }
    expect(new URL(visapiEnv.DATABASE_URL!).password).toBe(PLACEHOLDER);
    expect(envFile('deploy/postgres.env.example')).toEqual({ POSTGRES_PASSWORD: '' });
    const [gateway] = byTarget('gateway')[0]!.slice(1) as [Service];
    expect(() => loadConfig(containerEnv(gateway))).toThrow(/^Invalid configuration: FILE_SIGNING_KEY must be at least 32 characters/);
    expect(() => loadConfig(containerEnv(gateway, { FILE_SIGNING_KEY: FILLED.FILE_SIGNING_KEY }))).toThrow(
      /^Invalid configuration: DATA_ENCRYPTION_KEY must be 32 bytes/,
    );
  });
});
