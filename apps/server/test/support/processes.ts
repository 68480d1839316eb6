import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/platform/embedded/process-utils';

export { freePort };

const SERVER_DIR = path.resolve(__dirname, '../..');
export const MAIN_JS = path.join(SERVER_DIR, 'dist/main.js');
export const VISAPI_BIN = path.join(SERVER_DIR, 'bin/visapi.mjs');

function assertBuilt() {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does)`);
}

export interface VisapiProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the built server as a real process (its own env only: nothing leaks from ours). */
export function spawnVisapi(args: string[], env: Record<string, string>): VisapiProcess {
  assertBuilt();
  const child = spawn(process.execPath, [MAIN_JS, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

type Infra = { databaseUrl: string; redisUrl: string; redisPrefix: string };

/** A gateway or worker process of the test file, and where it answers (a worker: its health and metrics port). */
export interface RoleProcess {
  proc: VisapiProcess;
  base: string;
}

/**
 * A gateway or worker process on the test file's database and Redis prefix, once /healthz
 * answers (the machine may be busy: up to `timeoutMs`). `env` adds to or overrides the defaults.
 */
export async function startRole(infra: Infra, role: 'gateway' | 'worker', env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RoleProcess> {
  const port = await freePort();
  const proc = spawnVisapi(['--role', role], {
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: infra.redisPrefix,
    [role === 'gateway' ? 'PORT' : 'WORKER_METRICS_PORT']: String(port),
    MIGRATE_ON_START: 'false',
    SHUTDOWN_GRACE_MS: '1000',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealthy(`${base}/healthz`, proc, timeoutMs);
  } catch (error) {
    proc.child.kill('SIGKILL');
    throw error;
  }
  return { proc, base };
}

/** A worker process on the test file's database and Redis prefix, once its health port answers. */
export async function startWorkerProcess(infra: Infra, env: Record<string, string> = {}): Promise<VisapiProcess> {
  return (await startRole(infra, 'worker', env, 20_000)).proc;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VISAPI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function waitForHealthy(url: string, proc: VisapiProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`visapi exited with ${exitCode}:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`visapi did not become healthy at ${url}:\n${proc.output()}`);
}
