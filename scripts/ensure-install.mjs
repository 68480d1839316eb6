// Installs dependencies when node_modules does not match the lockfile; otherwise does nothing.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { hashInputs, log, readStamp, ROOT, run, writeStamp } from './lib.mjs';

const STAMP = 'node_modules/.visapi-install';
const INPUTS = ['package.json', 'package-lock.json', 'packages/contracts/package.json', 'apps/server/package.json', 'apps/dashboard/package.json'];

export function ensureInstall() {
  const wanted = hashInputs(INPUTS);
  if (fs.existsSync(path.join(ROOT, 'node_modules')) && readStamp(STAMP) === wanted) return;
  log('installing dependencies (npm ci)...');
  const started = Date.now();
  run('npm', ['ci', '--engine-strict', '--no-audit', '--no-fund'], {
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  writeStamp(STAMP, wanted);
  log(`dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) ensureInstall();
