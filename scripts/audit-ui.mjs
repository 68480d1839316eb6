// `npm run audit:ui [-- --only=/runs,/logs] [-- --runs=3] [-- --strict]`: Lighthouse 12 (default
// mobile simulation, Debian Chromium) on every dashboard page of a fresh instance with some data,
// signed in as an admin; prints accessibility and performance per page (the median of --runs
// runs, and their range), like a benchmark.
// Targets (issue 11): accessibility ≥ 95 and performance ≥ 90 on every page. Scores are
// printed, written to .visapi/bench/audit-ui-*.json, and only fail the command with --strict.
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { computeMedianRun, filterToValidRuns } from 'lighthouse/core/lib/median-run.js';
import { freePort, ROOT, startInstance, stopInstance, table, writeResult } from '../bench/lib.mjs';
import { build } from './build.mjs';
import { chromiumPath, json, signIn } from './ui-lib.mjs';

const TARGET = { accessibility: 95, performance: 90 };
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const strict = args.includes('--strict');
// --reports: also keep each page's whole Lighthouse result (for the breakdown of a score) and
// its trace (`<page>.trace.json`, opens in Chromium's DevTools Performance panel).
const keepReports = args.includes('--reports');
// --runs=N (default 3): Lighthouse's variance on a shared machine is several points per run;
// each page is audited N times and the median run (Lighthouse's computeMedianRun) reported.
const runsArg = args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? '3';
if (!/^[1-9]\d*$/.test(runsArg)) throw new Error(`audit:ui: --runs takes a whole number of runs, at least 1 (got "${runsArg}")`);
const runs = Number(runsArg);

/** A workflow with some succeeded and some dead runs, so lists and details have rows. */
async function seedData(base, cookie) {
  const workflow = await json(base, 'POST', '/api/v1/workflows', {
    cookie,
    body: {
      name: 'Audit: visa approved',
      version: '1.0.0',
      inputSchema: { type: 'object', required: ['applicationId'], properties: { applicationId: { type: 'string' }, email: { type: 'string', format: 'email' } } },
      triggers: [{ type: 'manual' }],
      steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }],
    },
  });
  let runId;
  for (let i = 0; i < 20; i++) {
    ({ runId } = await json(base, 'POST', `/api/v1/workflows/${workflow.id}/trigger`, { cookie, body: { applicationId: `A-${i}`, email: `applicant${i}@example.com` } }));
  }
  return { workflowId: workflow.id, runId };
}

/**
 * The page's long main-thread tasks as Lighthouse's simulation times them (its observed task
 * durations ×4), longest first, with the script each is attributed to and its start: where the
 * blocking time goes (a task of d ms after the first paint adds d − 50 ms).
 */
function longTasks(audits) {
  const items = audits['long-tasks']?.details?.items ?? [];
  const fcp = audits['first-contentful-paint'].numericValue;
  const name = (url) => (typeof url === 'string' ? url.replace(/^https?:\/\/[^/]+/, '').replace(/^\/assets\//, '') || url : 'other');
  const blocking = items.filter((t) => t.startTime + t.duration > fcp).reduce((sum, t) => sum + Math.max(0, t.duration - 50), 0);
  const list = [...items]
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 8)
    .map((t) => `${Math.round(t.duration)} ms ${name(t.url)} @${(t.startTime / 1000).toFixed(2)} s`);
  return `long tasks (simulated, first paint at ${(fcp / 1000).toFixed(2)} s; Σ(d − 50) after it ${Math.round(blocking)} ms): ${list.join(', ') || 'none'}`;
}

/** One Lighthouse run of a page; a run that failed to record a trace (NO_NAVSTART, now and then) is retried. */
async function audit(url, port, cookie, page) {
  for (let attempt = 1; ; attempt++) {
    const result = await lighthouse(url, {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['accessibility', 'performance'],
      extraHeaders: cookie ? { cookie } : {},
    });
    if (!result.lhr.runtimeError || attempt === 3) return result;
    console.log(`${page}: ${result.lhr.runtimeError.code}, running Lighthouse again`);
  }
}

export async function main() {
  build();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = process.env.VISAPI_DATA_DIR ?? '.visapi/audit-ui';
  fs.rmSync(path.join(ROOT, dataDir), { recursive: true, force: true });
  const env = {
    PORT: String(port),
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: dataDir,
    ADMIN_EMAILS: 'admin@visa.example',
    REDIS_PREFIX: `{audit-ui-${Date.now().toString(36)}}`,
    WORKER_METRICS_PORT: String(await freePort()),
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  };
  const instance = await startInstance(['--role', 'all'], env);
  const chrome = await chromeLauncher.launch({
    chromePath: chromiumPath(),
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const cookie = await signIn(base, env, 'admin@visa.example');
    const { workflowId, runId } = await seedData(base, cookie);
    const pages = [
      '/',
      '/runs',
      `/runs/${runId}`,
      '/trigger',
      '/logs',
      '/dlq',
      '/workflows',
      `/workflows/${workflowId}`,
      '/outbox',
      '/api-keys',
      '/users',
      '/templates',
      '/refunds',
    ].filter((p) => !only || only.some((o) => p === o || p.startsWith(`${o}/`)));
    const rows = [];
    const failures = [];
    for (const page of [...pages, ...(only ? [] : ['/sign-in'])]) {
      const signedIn = page !== '/sign-in';
      const results = [];
      for (let run = 0; run < runs; run++) results.push(await audit(`${base}${page}`, chrome.port, signedIn ? cookie : undefined, page));
      // Lighthouse's own pick (as PageSpeed Insights and LHCI do): the run nearest the median
      // first paint and time to interactive; the table also shows the range of the scores.
      const valid = filterToValidRuns(results.map((r) => r.lhr));
      const result = valid.length ? results.find((r) => r.lhr === computeMedianRun(valid)) : results[0];
      const performances = valid.map((lhr) => Math.round(lhr.categories.performance.score * 100));
      const { categories, audits, runtimeError } = result.lhr;
      if (runtimeError) throw new Error(`Lighthouse could not audit ${page}: ${runtimeError.code} ${runtimeError.message}`);
      if (keepReports) {
        const name = page === '/' ? 'overview' : page.slice(1).replace(/\//g, '_');
        fs.mkdirSync(path.join(ROOT, '.visapi/bench/lighthouse'), { recursive: true });
        fs.writeFileSync(path.join(ROOT, `.visapi/bench/lighthouse/${name}.json`), JSON.stringify(result.lhr));
        fs.writeFileSync(path.join(ROOT, `.visapi/bench/lighthouse/${name}.trace.json`), JSON.stringify(result.artifacts.Trace));
      }
      if (keepReports) console.log(`${page}: ${longTasks(audits)}`);
      const row = {
        page,
        accessibility: Math.round(categories.accessibility.score * 100),
        performance: Math.round(categories.performance.score * 100),
        ...(runs > 1 ? { range: `${Math.min(...performances)}–${Math.max(...performances)}` } : {}),
        lcpMs: Math.round(audits['largest-contentful-paint'].numericValue),
        tbtMs: Math.round(audits['total-blocking-time'].numericValue),
        cls: +(audits['cumulative-layout-shift'].numericValue ?? NaN).toFixed(3),
        scriptKb: Math.round((audits['total-byte-weight'].numericValue ?? 0) / 1024),
      };
      rows.push(row);
      const failedA11y = Object.values(audits).filter((a) => a.score === 0 && categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0));
      for (const audit of failedA11y) {
        for (const item of (audit.details?.items ?? []).slice(0, 5)) console.log(`${page} ${audit.id}: ${item.node?.snippet ?? ''} ${(item.node?.explanation ?? '').replace(/\s+/g, ' ')}`);
      }
      if (row.accessibility < TARGET.accessibility || row.performance < TARGET.performance) {
        failures.push(`${page}: accessibility ${row.accessibility}, performance ${row.performance}${failedA11y.length ? ` (failing: ${failedA11y.map((a) => a.id).join(', ')})` : ''}`);
      } else if (failedA11y.length) {
        console.log(`${page}: failing accessibility audits: ${failedA11y.map((a) => a.id).join(', ')}`);
      }
    }
    console.log(`\nLighthouse ${lighthouse.version ?? '12'} (mobile simulation), targets: accessibility ≥ ${TARGET.accessibility}, performance ≥ ${TARGET.performance}\n`);
    console.log(table(rows, Object.keys(rows[0] ?? { page: '' })));
    const file = writeResult('audit-ui', { rows, target: TARGET });
    console.log(`written to ${file}`);
    if (failures.length) {
      console.log(`\nBelow target:\n${failures.map((f) => `  ${f}`).join('\n')}`);
      if (strict) process.exitCode = 1;
    } else {
      console.log('\nEvery page meets both targets.');
    }
  } finally {
    await chrome.kill();
    await stopInstance(instance);
  }
}

await main();
