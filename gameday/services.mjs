// The game day's own PostgreSQL and redis-server: private instances in a temporary folder, on
// ports of their own, that a scenario can kill, stop and start again with their data (never the
// shared 127.0.0.1:5432/6379 the tests use).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../bench/lib.mjs';

export async function until(what, check, timeoutMs = 60_000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
}

/** PostgreSQL refuses to run as root: as root, its files and process belong to the postgres user. */
function postgresIds() {
  if (process.getuid?.() !== 0) return {};
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

function binary(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    for (const dir of ['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
    throw new Error(`${name} not found on PATH (install PostgreSQL's server binaries, e.g. apt-get install postgresql)`);
  }
}

/** A PostgreSQL cluster of its own (initdb, trust on loopback): stop() is a fast shutdown, start() brings it back on the same port. */
export class Postgres {
  constructor(dir) {
    this.dir = path.join(dir, 'postgres');
    this.ids = postgresIds();
    this.child = undefined;
    this.port = 0;
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async init() {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.ids.uid !== undefined) fs.chownSync(this.dir, this.ids.uid, this.ids.gid);
    execFileSync(binary('initdb'), ['-D', this.dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], { ...this.ids, stdio: 'ignore' });
    this.port = await freePort();
    await this.start();
  }

  async start() {
    const args = ['-D', this.dir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
    this.child = spawn(binary('postgres'), args, { ...this.ids, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    this.child.stderr.on('data', (c) => (log = (log + c).slice(-4000)));
    const child = this.child;
    await until('PostgreSQL accepting queries', async () => {
      if (child.exitCode !== null) throw new Error(`postgres exited:\n${log}`);
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('select 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  }

  /** SIGINT: PostgreSQL's fast shutdown (pg_ctl stop -m fast): sessions are cut, the server exits. */
  async stop() {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.kill('SIGINT');
    await exited(child);
  }

  async query(sql, params) {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}

/** A redis-server configured as the product's embedded one (AOF everysec, noeviction); kill() is SIGKILL. */
export class RedisServer {
  constructor(dir) {
    this.dir = path.join(dir, 'redis');
    this.child = undefined;
    this.port = 0;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async init() {
    fs.mkdirSync(this.dir, { recursive: true });
    this.port = await freePort();
    await this.start();
  }

  async start() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', '', '--daemonize', 'no'];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    const child = this.child;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    probe.on('error', () => undefined);
    try {
      await until('redis-server loaded', async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        return /loading:0/.test(await probe.info('persistence'));
      });
    } finally {
      probe.disconnect();
    }
  }

  async kill() {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
  }

  client() {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    return client;
  }
}
