import fs from 'node:fs';
import path from 'node:path';
import { run } from './process-utils';

/**
 * PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user. That
 * user must be able to execute the server binaries and enter the data directory, which fails
 * when either sits under a folder only root may enter (a clone in /root, or any 0700 parent).
 */
export interface PostgresUser {
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
}

/** Where root keeps copies of the server binaries that the postgres user can reach. */
export const BINARY_CACHE = '/var/cache/visapi';

/** The `postgres` system user (created when missing) when we are root; otherwise undefined. */
export async function postgresUser(): Promise<PostgresUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
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

/**
 * The first directory on the way to `target` (itself included) that `user` may not enter, or
 * undefined when every one lets them through. Mode bits only: an ACL that grants more is
 * ignored, which errs on the side of the workaround.
 */
export function blockingDirectory(target: string, user: PostgresUser): string | undefined {
  let current = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const dir of chain) {
    const stat = fs.statSync(dir);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if (!(stat.mode & bit)) return dir;
  }
  return undefined;
}

/**
 * The binaries themselves when the postgres user can reach them; otherwise a copy of the
 * package's `native/` folder (bin, lib, share: initdb finds the rest relative to itself) under
 * BINARY_CACHE, made once per package version and owned by root.
 */
export function reachableBinaries(bin: Binaries, user: PostgresUser, cacheRoot = BINARY_CACHE): Binaries {
  const nativeDir = path.dirname(path.dirname(bin.initdb));
  if (!blockingDirectory(nativeDir, user)) return bin;

  const version = readVersion(path.join(nativeDir, '..', 'package.json'));
  const target = path.join(cacheRoot, `postgresql-${version}-${process.platform}-${process.arch}`);
  const copied = { initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
  const marker = path.join(target, '.complete');
  const fail = (why: string) =>
    new Error(
      `The PostgreSQL binaries in ${nativeDir} are under ${blockingDirectory(nativeDir, user)}, which the postgres user cannot enter, ` +
        `and ${why}: move the checkout to a folder others may enter (chmod o+x on its parents) or set DATABASE_URL`,
    );

  if (fs.existsSync(marker)) {
    checkOwnedByRoot(target, fail);
  } else {
    try {
      // explicit chmod: a umask such as 077 would leave it closed to the postgres user
      if (fs.mkdirSync(cacheRoot, { recursive: true })) fs.chmodSync(cacheRoot, 0o755);
      checkOwnedByRoot(cacheRoot, fail);
      const staging = `${target}.${process.pid}.tmp`;
      fs.rmSync(staging, { recursive: true, force: true });
      fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      fs.chmodSync(staging, 0o755);
      fs.writeFileSync(path.join(staging, '.complete'), `${version}\n`);
      try {
        fs.renameSync(staging, target);
      } catch (error) {
        // Another VisAPI process finished the same copy first: use theirs.
        fs.rmSync(staging, { recursive: true, force: true });
        if (!fs.existsSync(marker)) throw error;
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('The PostgreSQL binaries')) throw error;
      throw fail(`copying them to ${target} failed (${(error as Error).message})`);
    }
  }
  const stillBlocked = blockingDirectory(target, user);
  if (stillBlocked) throw fail(`their copy in ${target} is under ${stillBlocked}, which it cannot enter either`);
  return copied;
}

function readVersion(packageJson: string): string {
  try {
    const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version?: string };
    if (version && /^[\w.+-]+$/.test(version)) return version;
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Root runs nothing from a folder that someone else owns or may write to. */
function checkOwnedByRoot(dir: string, fail: (why: string) => Error) {
  const stat = fs.statSync(dir);
  if (stat.uid !== 0 || stat.mode & 0o022) throw fail(`${dir} is not owned by root or is writable by others`);
}
