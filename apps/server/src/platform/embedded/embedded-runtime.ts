import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, stopProcess } from './process-utils';

/**
 * `runtime.json` in VISAPI_DATA_DIR: the embedded servers running for that folder, who uses
 * them, and the watchdog that stops them once no user is alive. Read and written under
 * `withLock` by every VisAPI process of the folder and by the watchdog.
 */
export type ServiceName = 'postgres' | 'redis';
export const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'redis'];

export interface ServiceEntry {
  url: string;
  port: number;
  pid: number;
  /** The VisAPI processes using it; the last one to leave stops it. */
  users: number[];
}
export type Runtime = Partial<Record<ServiceName, ServiceEntry>> & {
  /** The pid of the folder's watchdog (embedded-watchdog.ts). */
  watchdog?: number;
};

const STOP_SIGNAL: Record<ServiceName, NodeJS.Signals> = {
  postgres: 'SIGINT', // "fast" shutdown: clean, without waiting for clients
  redis: 'SIGTERM', // flushes the append-only file
};

export const runtimeFile = (dataDir: string) => path.join(dataDir, 'runtime.json');

export function readRuntime(dataDir: string): Runtime {
  try {
    return JSON.parse(fs.readFileSync(runtimeFile(dataDir), 'utf8')) as Runtime;
  } catch {
    return {};
  }
}

export function writeRuntime(dataDir: string, runtime: Runtime) {
  const file = runtimeFile(dataDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(runtime, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Whether any VisAPI process still uses a server of the folder. */
export function anyUserAlive(runtime: Runtime): boolean {
  return SERVICE_NAMES.some((name) => runtime[name]?.users.some(isAlive));
}

/** Stops a server cleanly (SIGKILL if it takes longer than timeoutMs) — only if the pid is still that server. */
export async function stopService(name: ServiceName, entry: ServiceEntry, timeoutMs?: number): Promise<void> {
  if (!isServer(name, entry.pid)) return;
  await stopProcess(entry.pid, STOP_SIGNAL[name], timeoutMs);
}

const SERVER_COMMAND: Record<ServiceName, RegExp> = { postgres: /(^|\/)postgres(\0|$)/, redis: /(^|\/)redis-server(\0|\s|$)/ };

/**
 * Whether `pid` is the recorded server still, not a process that took its pid after a reboot
 * or a container restart (pids are reused; signalling them would kill whatever has it now):
 * its command line names the server's program, and it is never this process.
 */
export function isServer(name: ServiceName, pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    return SERVER_COMMAND[name].test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
  } catch {
    return false;
  }
}

/**
 * A cross-process lock: the directory `embedded.lock` holding its owner's pid. A dead owner's
 * lock is taken over (takeOver). Every change is one rename, so two processes starting at once
 * never both hold it: the lock is made whole under a temporary name and renamed into place (it
 * never exists without its pid, and the rename fails if another made it first), and it is
 * renamed away before it is deleted (a release never deletes a lock made meanwhile).
 */
export async function withLock<T>(dataDir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const lockDir = path.join(dataDir, 'embedded.lock');
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lockDir)) {
    const owner = lockOwner(lockDir);
    if (owner && !isAlive(owner)) {
      takeOver(lockDir, owner);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (held by pid ${owner})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    discard(lockDir);
  }
}

/** Makes the lock directory `dir` holding this process's pid, unless it exists (then false). */
export function tryLock(dir: string): boolean {
  const staged = fs.mkdtempSync(`${dir}.new-`);
  fs.writeFileSync(path.join(staged, 'pid'), String(process.pid));
  try {
    fs.renameSync(staged, dir);
    return true;
  } catch (error) {
    fs.rmSync(staged, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes `lockDir` if `deadOwner` still holds it. Two processes may have seen the same dead
 * owner: the takeover is done under a second lock, and the owner read again under it, so the
 * second does not remove the lock the first has taken since. A takeover guard left by a process
 * that died within those few instructions is removed (that process is dead: it holds nothing) —
 * only if it is still that process's (discardIfHeldBy): another that read the same dead holder
 * may have removed it and taken the guard since.
 */
export function takeOver(lockDir: string, deadOwner: number): void {
  const guard = `${lockDir}.takeover`;
  if (!tryLock(guard)) {
    const holder = lockOwner(guard);
    if (holder && !isAlive(holder)) discardIfHeldBy(guard, holder);
    return;
  }
  try {
    discardIfHeldBy(lockDir, deadOwner);
  } finally {
    discard(guard);
  }
}

/**
 * Removes the lock directory `dir` if `holder` holds it, else leaves it in place; true when
 * removed. Reading the pid and then removing would remove a lock taken in between: the
 * directory is renamed away first (atomic: from then on no one else can act on it) and its pid
 * read there. Not the holder's: it is renamed back. Should another lock have been made in the
 * moment it was away, that one stands and the moved one is removed (its owner, alive, goes on:
 * a dev-mode takeover race, not a data one).
 */
export function discardIfHeldBy(dir: string, holder: number): boolean {
  const moved = `${dir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(dir, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const held = lockOwner(moved) === holder;
  if (!held) {
    try {
      fs.renameSync(moved, dir);
      return false;
    } catch {
      // Another lock was made meanwhile: it stands.
    }
  }
  fs.rmSync(moved, { recursive: true, force: true });
  return held;
}

/** The pid in a lock directory; 0 when there is none. */
export function lockOwner(dir: string): number {
  return Number(safeRead(path.join(dir, 'pid'))) || 0;
}

function discard(dir: string): void {
  const removed = `${dir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(dir, removed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  fs.rmSync(removed, { recursive: true, force: true });
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
