// Builds what changed since the last build: contracts (tsc), server (swc), dashboard (vite).
// `--server-only` skips the dashboard.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureInstall } from './ensure-install.mjs';
import { hashInputs, log, readStamp, ROOT, run, writeStamp } from './lib.mjs';

const LOCK = ['package-lock.json'];
const TARGETS = [
  { name: 'contracts', dir: 'packages/contracts', inputs: ['packages/contracts/src', 'packages/contracts/tsconfig.json', 'packages/contracts/tsconfig.build.json'] },
  { name: 'server', dir: 'apps/server', inputs: ['apps/server/src', 'apps/server/.swcrc', 'apps/server/package.json'] },
  { name: 'dashboard', dir: 'apps/dashboard', inputs: ['apps/dashboard/src', 'apps/dashboard/public', 'apps/dashboard/index.html', 'apps/dashboard/vite.config.ts', 'apps/dashboard/postcss.config.cjs', 'packages/contracts/src'] },
];

export function build({ serverOnly = false } = {}) {
  ensureInstall();
  for (const target of TARGETS) {
    if (serverOnly && target.name === 'dashboard') continue;
    const stamp = path.join(target.dir, 'dist/.visapi-build');
    const wanted = hashInputs([...target.inputs, ...LOCK]);
    if (readStamp(stamp) === wanted) continue;
    const started = Date.now();
    run('npm', ['run', '--silent', 'build', '--workspace', target.dir]);
    writeStamp(stamp, wanted);
    log(`built ${target.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  build({ serverOnly: process.argv.includes('--server-only') });
  void ROOT;
}
