import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { anyUserAlive, readRuntime, SERVICE_NAMES, stopService, withLock, writeRuntime } from './embedded-runtime';
import { isAlive } from './process-utils';

/**
 * The folder's watchdog: a small process of its own, detached like the servers, that stops the
 * embedded PostgreSQL and redis-server once no VisAPI process using them is alive — a VisAPI
 * killed with SIGKILL cannot stop them itself, and they run outside its process group. It
 * looks every WATCH_INTERVAL_MS, decides under the folder's lock (so a VisAPI starting at that
 * moment either joins the servers before, or starts new ones after), and exits once the
 * folder has no servers left or another watchdog has taken its place.
 */
export const WATCH_INTERVAL_MS = 1_000;

/** This module's compiled file; absent when running from the TypeScript sources (tests in-process). */
const SCRIPT = path.join(__dirname, 'embedded-watchdog.js');

/** Starts the folder's watchdog unless one is alive. Call under withLock; returns the pid to record, if any. */
export function ensureWatchdog(dataDir: string, current: number | undefined): number | undefined {
  if (current && isAlive(current)) return current;
  if (!fs.existsSync(SCRIPT)) return undefined;
  const log = fs.openSync(path.join(dataDir, 'watchdog.log'), 'a');
  const child = spawn(process.execPath, [SCRIPT, dataDir], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  return child.pid;
}

/** One look: stops the servers when their users are all gone. Returns false when the watchdog's work is over. */
export async function watchOnce(dataDir: string): Promise<boolean> {
  const seen = readRuntime(dataDir);
  if (seen.watchdog !== process.pid || !SERVICE_NAMES.some((name) => seen[name])) return false;
  if (anyUserAlive(seen)) return true;
  return withLock(dataDir, async () => {
    const runtime = readRuntime(dataDir);
    if (runtime.watchdog !== process.pid) return false;
    if (anyUserAlive(runtime)) return true;
    for (const name of SERVICE_NAMES) {
      const entry = runtime[name];
      if (!entry) continue;
      await stopService(name, entry);
      delete runtime[name];
      console.log(`${new Date().toISOString()} no VisAPI process of ${dataDir} is alive: stopped its embedded ${name} (pid ${entry.pid})`);
    }
    delete runtime.watchdog;
    writeRuntime(dataDir, runtime);
    return false;
  });
}

async function main(dataDir: string) {
  while (await watchOnce(dataDir).catch((error: unknown) => (console.error(error), true))) {
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}

// Run as `node embedded-watchdog.js <dataDir>` (`module` is CommonJS's: the built server).
if (typeof module !== 'undefined' && require.main === module) void main(process.argv[2]!);
