// `npm run bench -- pdf`: pdf.generate's throughput and memory. For batches of 100 and 1,000
// shipped letters (English and Hebrew, both templates), a fresh child process — a worker's
// connectors, built — renders them through its render pool at PDF_CONCURRENCY=2; this process
// samples the child's whole process tree (its own + Chromium's processes) every 100 ms: the sum
// of their PSS (shared pages divided among the processes sharing them: the real footprint) and
// the sum of their RSS (shared pages counted once per process: an overstatement, ~3x for
// Chromium). The peaks should match within 15 %: memory is bounded by the pool, not the batch.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { cpuInfo, ROOT, table, writeResult } from './lib.mjs';
import fs from 'node:fs';
import { familyOf, rss } from './proc.mjs';

const BATCHES = [100, 1000];
const PDF_CONCURRENCY = 2;
const IN_FLIGHT = 10; // WORKER_CONCURRENCY_DEFAULT: run jobs a worker holds at once

function runBatch(batch) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/pdf-child.mjs')], {
      env: { ...process.env, BATCH: String(batch), PDF_CONCURRENCY: String(PDF_CONCURRENCY), IN_FLIGHT: String(IN_FLIGHT), PUPPETEER_SKIP_DOWNLOAD: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let peak = 0;
    let peakRss = 0;
    let warm = false;
    const sample = () => {
      if (!warm) return;
      const family = familyOf(child.pid);
      peak = Math.max(peak, family.reduce((sum, pid) => sum + pss(pid), 0));
      peakRss = Math.max(peakRss, family.reduce((sum, pid) => sum + rss(pid), 0));
    };
    const timer = setInterval(sample, 100);
    let result;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.warm) warm = true;
      else {
        sample();
        result = message;
      }
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0 || !result) reject(new Error(`pdf bench child exited with ${code}`));
      else resolve({ ...result, peakPssMiB: Math.round(peak / 1024 / 1024), peakRssMiB: Math.round(peakRss / 1024 / 1024) });
    });
  });
}

/** A process's proportional set size (bytes), 0 when it is gone. */
function pss(pid) {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export async function main() {
  console.log(`pdf.generate: batches of ${BATCHES.join(' and ')} letters, PDF_CONCURRENCY=${PDF_CONCURRENCY}, ${IN_FLIGHT} steps in flight; ${cpuInfo()}`);
  const rows = [];
  for (const batch of BATCHES) {
    const r = await runBatch(batch);
    rows.push({ batch, pdfsPerMinute: Math.round((batch / r.seconds) * 60), seconds: r.seconds.toFixed(1), pages: r.pages, avgKiB: Math.round(r.bytes / batch / 1024), peakPssMiB: r.peakPssMiB, peakRssMiB: r.peakRssMiB });
  }
  console.log(table(rows, ['batch', 'pdfsPerMinute', 'seconds', 'pages', 'avgKiB', 'peakPssMiB', 'peakRssMiB']));
  const spreadOf = (peaks) => (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
  const spread = spreadOf(rows.map((r) => r.peakPssMiB));
  const rssSpread = spreadOf(rows.map((r) => r.peakRssMiB));
  console.log(`peak memory spread between batches: PSS ${(spread * 100).toFixed(1)} %, RSS ${(rssSpread * 100).toFixed(1)} % (target: within 15 %)`);
  console.log(`results: ${writeResult('pdf', { cpu: cpuInfo(), pdfConcurrency: PDF_CONCURRENCY, inFlight: IN_FLIGHT, rows, spread, rssSpread })}`);
}
