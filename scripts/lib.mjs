// Shared by the root scripts: run a command, hash inputs, and keep stamps so a second
// `npm start` / `npm test` skips the install and the build when nothing changed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`visapi: "${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

/** A hash of files and directories (recursively, skipping dist and node_modules). */
export function hashInputs(relativePaths) {
  const hash = createHash('sha256');
  const visit = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        if (entry === 'node_modules' || entry === 'dist') continue;
        visit(path.join(p, entry));
      }
    } else {
      hash.update(path.relative(ROOT, p));
      hash.update(fs.readFileSync(p));
    }
  };
  for (const rel of relativePaths) visit(path.join(ROOT, rel));
  return hash.digest('hex');
}

export function readStamp(file) {
  try {
    return fs.readFileSync(path.join(ROOT, file), 'utf8').trim();
  } catch {
    return '';
  }
}

export function writeStamp(file, value) {
  fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
  fs.writeFileSync(path.join(ROOT, file), `${value}\n`);
}

export function log(message) {
  process.stderr.write(`visapi: ${message}\n`);
}
