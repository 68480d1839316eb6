// The game day's processes: a private PostgreSQL and redis-server (AOF), a latency proxy in
// front of Redis, the Slack-compatible recorder, 2 gateways behind the round-robin balancer and
// 2 workers — each VisAPI role a real `node apps/server/dist/main.js` process.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT } from '../bench/lib.mjs';
import { Balancer } from './balancer.mjs';
import { LatencyProxyProcess } from './latency-proxy.mjs';
import { Postgres, RedisServer, until } from './services.mjs';
import { SLACK_TOKEN, SlackRecorder } from './slack-recorder.mjs';

const MAIN = path.join(ROOT, 'apps/server/dist/main.js');
const CLI = path.join(ROOT, 'apps/server/bin/visapi.mjs');

/** A VisAPI process: its child, its health URL and the tail of its output (for errors). */
class VisapiProcess {
  constructor(label, args, env, healthUrl, logDir) {
    this.label = label;
    this.healthUrl = healthUrl;
    this.log = '';
    this.child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Its whole output (warnings and errors: LOG_LEVEL=warn) is kept, to explain a ledger.
    const file = fs.createWriteStream(path.join(logDir, `${label}.log`));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.on('data', (c) => (this.log = (this.log + c).slice(-20_000)));
      stream.pipe(file, { end: false });
    }
    this.child.once('close', () => file.end());
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r(signal ?? code)));
  }

  async healthy(timeoutMs = 240_000) {
    let gone = false;
    void this.exited.then(() => (gone = true));
    await until(`${this.label} healthy`, async () => {
      if (gone) throw new Error(`${this.label} exited:\n${this.log.slice(-4000)}`);
      return (await fetch(this.healthUrl, { signal: AbortSignal.timeout(2000) })).status === 200;
    }, timeoutMs, 100);
    return this;
  }

  async signal(name) {
    this.child.kill(name);
    return this.exited;
  }
}

export class Topology {
  constructor(options) {
    this.options = options;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-gameday-'));
    // The postgres user must enter it (PostgreSQL runs as that user when we are root).
    fs.chmodSync(this.dir, 0o755);
    this.postgres = new Postgres(this.dir);
    this.redis = new RedisServer(this.dir);
    this.recorder = new SlackRecorder(options.providerLatencyMs ? { latencyMs: options.providerLatencyMs } : undefined);
    this.gateways = [];
    this.workers = [];
    /** Every VisAPI process started, so stop() also ends one still booting (a replacement). */
    this.processes = new Set();
    this.spawned = 0;
    this.logDir = options.logDir;
    fs.mkdirSync(this.logDir, { recursive: true });
    this.prefix = `{gameday-${randomBytes(3).toString('hex')}}`;
    this.encryptionKey = randomBytes(32).toString('base64');
    this.fileKey = randomBytes(32).toString('base64');
  }

  async start() {
    await Promise.all([this.postgres.init(), this.redis.init(), this.recorder.start()]);
    this.redisProxy = new LatencyProxyProcess(this.redis.port);
    await this.redisProxy.start();
    this.gatewayPorts = [await freePort(), await freePort()];
    // The first gateway migrates the database; the others start once it has.
    this.gateways[0] = await this.startGateway(0, true);
    await Promise.all([this.startGateway(1), this.startWorker(0), this.startWorker(1)].map((p, i) => p.then((proc) => (i === 0 ? (this.gateways[1] = proc) : (this.workers[i - 1] = proc)))));
    this.balancer = await new Balancer(this.gatewayPorts).start();
    this.url = `http://127.0.0.1:${this.balancer.port}`;
    const created = this.cli(['apikey:create', '--label', 'gameday', '--scopes', 'trigger,manage_workflows,read_runs,manage_runs', '--json']);
    this.apiKey = JSON.parse(created.trim().split("\n").at(-1)).key;
    return this;
  }

  env(extra) {
    return {
      // Their own environment only: nothing leaks from the caller's.
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      VISAPI_DATA_DIR: this.dir,
      DATABASE_URL: this.postgres.url,
      REDIS_URL: `redis://127.0.0.1:${this.redisProxy.port}`,
      REDIS_PREFIX: this.prefix,
      DATA_ENCRYPTION_KEY: this.encryptionKey,
      FILE_SIGNING_KEY: this.fileKey,
      MIGRATE_ON_START: 'false',
      TRUST_PROXY: 'loopback',
      PUBLIC_URL: 'http://127.0.0.1',
      API_KEY_RATE_LIMIT_BURST: '1000000',
      API_KEY_RATE_LIMIT_PER_SECOND: '1000000',
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1',
      // A killed worker's jobs are picked up after seconds, not the default half minute (a lock
      // much shorter than this is lost by a live worker on a busy machine: its job runs twice).
      WORKER_LOCK_DURATION_MS: String(this.options.lockMs),
      WORKER_STALLED_INTERVAL_MS: String(this.options.stalledIntervalMs),
      SHUTDOWN_DRAIN_DELAY_MS: String(this.options.drainDelayMs),
      SHUTDOWN_GRACE_MS: '5000',
      ...extra,
    };
  }

  async startGateway(index, migrate = false) {
    const port = this.gatewayPorts[index];
    const label = `gateway-${index + 1}.${++this.spawned}`;
    const proc = new VisapiProcess(label, ['--role', 'gateway'], this.env({ PORT: String(port), HOST: '127.0.0.1', MIGRATE_ON_START: String(migrate) }), `http://127.0.0.1:${port}/healthz`, this.logDir);
    this.processes.add(proc);
    return proc.healthy();
  }

  async startWorker(index) {
    const port = await freePort();
    const label = `worker-${index + 1}.${++this.spawned}`;
    const proc = new VisapiProcess(label, ['--role', 'worker'], this.env({ WORKER_METRICS_PORT: String(port), PORT: String(await freePort()), SLACK_API_URL: this.recorder.apiUrl(label) }), `http://127.0.0.1:${port}/livez`, this.logDir);
    this.processes.add(proc);
    return proc.healthy();
  }

  /** SIGKILL worker `index` and start its replacement; resolves with the kill's time. */
  async killWorker(index) {
    const at = Date.now();
    const victim = this.workers[index];
    await victim.signal('SIGKILL');
    const diedAt = Date.now();
    this.workers[index] = await this.startWorker(index);
    return { at, diedAt, victim: victim.label, replacement: this.workers[index].label, healthyAt: Date.now() };
  }

  /** SIGTERM gateway `index` (it drains), then start it again on the same port. */
  async restartGateway(index) {
    const at = Date.now();
    const code = await this.gateways[index].signal('SIGTERM');
    const exitedAt = Date.now();
    this.gateways[index] = await this.startGateway(index);
    return { at, exitedAt, exitCode: code, healthyAt: Date.now() };
  }

  async killRedis() {
    await this.redisProxy.stop();
    await this.redis.kill();
  }

  async startRedis() {
    await this.redis.start();
    await this.redisProxy.start();
  }

  cli(args, env = {}) {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: this.env(env), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`visapi ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** A call to the API through the balancer; a dropped connection (a gateway restarting) is tried again, up to 5 times. */
  async api(method, url, body) {
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(`${this.url}${url}`, { method, headers: { 'x-api-key': this.apiKey, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
      } catch (error) {
        if (attempt === 5) throw new Error(`${method} ${url}: ${error.cause?.code ?? error.cause?.message ?? error.message}`, { cause: error });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return res.json();
    }
  }

  /** Processes' PIDs, for the CPU figures. */
  pids() {
    return { gateways: this.gateways.map((g) => g.child.pid), workers: this.workers.map((w) => w.child.pid), postgres: this.postgres.child?.pid, redis: this.redis.child?.pid };
  }

  async stop() {
    await Promise.allSettled([...this.processes].map((p) => p.signal('SIGKILL')));
    await Promise.allSettled([this.balancer?.stop(), this.recorder.stop()]);
    this.redisProxy?.kill();
    await Promise.allSettled([this.postgres.stop(), this.redis.kill()]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
