// `npm test [-- vitest args]`: install if needed (npm packages, and Debian's Chromium for the
// browser tests when we are root), build (real-process and browser tests run dist/), run the
// whole suite, and print a closing "N passed, N failed" line.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from './build.mjs';
import { log, ROOT } from './lib.mjs';
import { failedTests, flakyLines, summaryLine } from './test-report.mjs';

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
/**
 * Test files that start whole topologies (a game day, 3 gateways × 3 workers, a 6-node Redis
 * Cluster with processes or read within deadlines, the benches' smoke, an outage under 100
 * requests in flight) and check how fast the product answers during faults: they run after the
 * rest, one file at a time, so two of them never share the 2 cores and their bounds measure the
 * product, not the neighbours.
 */
const HEAVY = [
  'apps/server/test/gameday-smoke.test.ts',
  'apps/server/test/scale-out.test.ts',
  'apps/server/test/redis-cluster.test.ts',
  'apps/server/test/redis-durability.test.ts',
  'apps/server/test/bench-smoke.test.ts',
  'apps/server/test/robust-redis-outage.test.ts',
];

function vitest(args, resultsFile) {
  fs.rmSync(resultsFile, { force: true });
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...args],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' } },
  );
  try {
    return { status: run.status ?? 1, results: JSON.parse(fs.readFileSync(resultsFile, 'utf8')) };
  } catch {
    return { status: run.status ?? 1, results: undefined };
  }
}

/**
 * A heavy file that fails is run once more, and said so: they start real clusters of processes
 * (a 6-node Redis Cluster among them) whose set-up can still fail on a busy machine. Its second
 * result is the one that counts; when it passes, the first run's failures are kept (`flaky`)
 * for the closing summary and .visapi/test-flaky.json, so a flake stays visible.
 */
function heavy(file) {
  const results = path.join(ROOT, `.visapi/test-results-${path.basename(file, '.test.ts')}.json`);
  const first = vitest([file], results);
  if (first.status === 0) return first;
  log(`${file} failed; running it once more (its first failure is printed above)`);
  const second = vitest([file], results);
  return second.status === 0 ? { ...second, flaky: { file, failures: failedTests(first.results, ROOT) } } : second;
}

const args = process.argv.slice(2);
const runs = args.length
  ? [vitest(args, path.join(ROOT, '.visapi/test-results.json'))]
  : [vitest(HEAVY.flatMap((file) => ['--exclude', `**/${path.basename(file)}`]), path.join(ROOT, '.visapi/test-results.json')), ...HEAVY.map(heavy)];
const flaky = runs.flatMap((r) => (r.flaky ? [r.flaky] : []));
// Written on every whole-suite run (an empty list when nothing flaked), never by a run of chosen files.
if (!args.length) {
  fs.mkdirSync(path.join(ROOT, '.visapi'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.visapi/test-flaky.json'), `${JSON.stringify(flaky, null, 2)}\n`);
}
for (const line of flakyLines(flaky)) console.log(line);
let summary = 'no test results were written';
if (runs.every((r) => r.results)) {
  summary = summaryLine(runs.map((r) => r.results));
  if (runs.every((r) => r.results.numTotalTests === 0)) log('no test ran');
} else {
  log(summary);
}
console.log(summary);
process.exit(runs.every((r) => r.status === 0) ? 0 : 1);
