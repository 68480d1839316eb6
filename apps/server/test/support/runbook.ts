import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VISAPI_BIN } from './processes';

const RUNBOOKS = path.resolve(__dirname, '../../../../docs/runbooks');

/**
 * The command blocks of one runbook (```sh runbook=<name>), by name, as the file has them: the
 * walk-through tests run what an operator would paste, so a runbook cannot drift from the CLI.
 */
export function runbookBlocks(file: string): Map<string, string> {
  const text = fs.readFileSync(path.join(RUNBOOKS, file), 'utf8');
  const blocks = new Map<string, string>();
  // Blocks may be indented under a list item: the fence's indentation is removed from each line.
  for (const m of text.matchAll(/^( *)```sh runbook=([\w-]+)\n([\s\S]*?)^ *```$/gm)) {
    const indent = m[1]!.length;
    if (blocks.has(m[2]!)) throw new Error(`${file}: two blocks named ${m[2]}`);
    blocks.set(m[2]!, m[3]!.split('\n').map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join('\n'));
  }
  return blocks;
}

/** A directory whose `npx` runs this checkout's CLI (`npx visapi …` as the runbooks write it), nothing else. */
function npxShim(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-runbook-'));
  const shim = path.join(dir, 'npx');
  fs.writeFileSync(shim, `#!/bin/sh\n[ "$1" = visapi ] || { echo "runbook walk: only npx visapi is provided" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${VISAPI_BIN}" "$@"\n`, { mode: 0o755 });
  return dir;
}

export interface BlockResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Walks one runbook: `run(name, values)` fills the block's <placeholders> (ids, keys: values that need no quoting) and
 * runs it in bash (`set -e`, as a person would stop at the first failing line) with `env`
 * (VISAPI_URL, VISAPI_API_KEY, DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_ENCRYPTION_KEY…).
 */
export function runbook(file: string, env: () => Record<string, string>) {
  const blocks = runbookBlocks(file);
  const bin = npxShim();
  return {
    run(name: string, values: Record<string, string> = {}, extraEnv: Record<string, string> = {}): Promise<BlockResult> {
      const block = blocks.get(name);
      if (!block) throw new Error(`${file} has no block runbook=${name}`);
      const script = block.replace(/<([A-Za-z]+)>/g, (whole, key: string) => {
        const value = values[key];
        if (value === undefined) throw new Error(`${file} ${name}: no value for ${whole}`);
        // Placeholders sit inside double-quoted URLs too: only values that need no quoting anywhere.
        if (!/^[\w.:@/+=-]+$/.test(value)) throw new Error(`${file} ${name}: ${whole} = ${JSON.stringify(value)} would need shell quoting`);
        return value;
      });
      return new Promise((resolve) => {
        const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], {
          env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: os.tmpdir(), ...env(), ...extraEnv },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    },
  };
}
