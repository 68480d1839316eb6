// `npm test [-- vitest args]`: install if needed (npm packages, and Debian's Chromium for the
// browser tests when we are root), build (real-process and browser tests run dist/), run the
// whole suite, and print a closing "N passed, N failed" line.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from './build.mjs';
import { log, ROOT } from './lib.mjs';

function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const missing = [];
  if (!candidates.some((p) => p && fs.existsSync(p))) missing.push('chromium');
  // The PDF tests read what Chromium printed (pdftotext, pdfinfo) in a font with Hebrew glyphs.
  if (!fs.existsSync('/usr/bin/pdftotext')) missing.push('poppler-utils');
  if (!fs.existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')) missing.push('fonts-dejavu-core');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    log(`missing ${missing.join(', ')}: the browser and PDF tests will fail. Install them (Debian: apt-get install ${missing.join(' ')}) or set CHROMIUM_PATH.`);
    return;
  }
  log(`installing Debian's ${missing.join(', ')} for the browser and PDF tests...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit', env });
}

build();
ensureChromium();
const results = path.join(ROOT, '.visapi/test-results.json');
fs.rmSync(results, { force: true });
const vitest = spawnSync(
  process.execPath,
  [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' } },
);
let summary = 'no test results were written';
try {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
  if (r.numTotalTests === 0) log('no test ran');
} catch {
  log(summary);
}
console.log(summary);
process.exit(vitest.status ?? 1);
