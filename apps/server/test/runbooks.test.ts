import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runbookBlocks } from './support/runbook';

const DIR = path.resolve(__dirname, '../../../docs/runbooks');
const TESTS = __dirname;

/** The names alert rules link to (ops/prometheus/alerts.yml `runbook_url`): renaming one breaks them. */
const RUNBOOKS = ['dlq-triage-and-replay.md', 'redis-failover-restore.md', 'postgresql-outage.md', 'rotating-secrets.md', 'stuck-schedule.md'];

/** The block names each walk-through test runs (`.run('name'`), by the runbook it opens (`runbook('file.md'`). */
function walkedBlocks(): Map<string, Set<string>> {
  const walked = new Map<string, Set<string>>();
  for (const file of fs.readdirSync(TESTS).filter((f) => f.endsWith('.test.ts'))) {
    const text = fs.readFileSync(path.join(TESTS, file), 'utf8');
    const opened = [...text.matchAll(/runbook\('([\w-]+\.md)'/g)].map((m) => m[1]!);
    if (opened.length > 1) throw new Error(`${file} walks several runbooks: one per file keeps this check simple`);
    if (!opened.length) continue;
    const names = walked.get(opened[0]!) ?? new Set<string>();
    for (const m of text.matchAll(/\.run\('([\w-]+)'/g)) names.add(m[1]!);
    walked.set(opened[0]!, names);
  }
  return walked;
}

describe('docs/runbooks', () => {
  it('has the runbooks the alert rules link to, each listed in index.md', () => {
    const index = fs.readFileSync(path.join(DIR, 'index.md'), 'utf8');
    for (const name of RUNBOOKS) {
      expect(fs.existsSync(path.join(DIR, name)), name).toBe(true);
      expect(index).toContain(`](${name})`);
    }
  });

  it('every command block of every runbook is walked by a test against a running instance', () => {
    const walked = walkedBlocks();
    for (const name of RUNBOOKS) {
      const blocks = [...runbookBlocks(name).keys()];
      expect(blocks.length, name).toBeGreaterThan(0);
      expect([...(walked.get(name) ?? [])].sort(), name).toEqual(blocks.sort());
    }
  });

  it('a runbook names only CLI commands that exist', () => {
    const cli = fs.readFileSync(path.resolve(__dirname, '../src/cli.ts'), 'utf8');
    const extra = ['crypto:rotate', 'schedule:list', 'schedule:reconcile'];
    for (const name of RUNBOOKS) {
      const text = fs.readFileSync(path.join(DIR, name), 'utf8');
      for (const m of text.matchAll(/npx visapi ([\w:-]+)/g)) {
        expect(cli.includes(`'${m[1]}':`) || cli.includes(`  ${m[1]}: {`) || extra.includes(m[1]!), `${name}: npx visapi ${m[1]}`).toBe(true);
      }
    }
  });
});
