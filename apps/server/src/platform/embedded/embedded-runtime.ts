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

/** A cross-process lock: a directory holding the owner's pid; a dead owner's lock is taken over. */
export async function withLock<T>(dataDir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const lockDir = path.join(dataDir, 'embedded.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(safeRead(path.join(lockDir, 'pid')));
      if (owner && !isAlive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (held by pid ${owner})`, { cause: error });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
