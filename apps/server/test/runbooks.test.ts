import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleCommands } from '../src/scheduler/schedule-commands';
import { runbookBlocks } from './support/runbook';

const DIR = path.resolve(__dirname, '../../../docs/runbooks');
const TESTS = __dirname;

/** The names alert rules (ops/prometheus/alerts.yml `runbook_url`) and the refund problem's `runbook` link to: renaming one breaks them. */
const RUNBOOKS = ['dlq-triage-and-replay.md', 'redis-failover-restore.md', 'postgresql-outage.md', 'rotating-secrets.md', 'stuck-schedule.md', 'stripe-refund-failure.md'];

/**
 * The CLI's command names as cli.ts registers them: the keys of its COMMANDS literal, plus the
 * keys of the command groups it spreads in (only scheduleCommands today; an unknown spread fails).
 */
function cliCommands(): Set<string> {
  const cli = fs.readFileSync(path.resolve(__dirname, '../src/cli.ts'), 'utf8');
  const block = cli.slice(cli.indexOf('const COMMANDS'), cli.indexOf('\n};\n', cli.indexOf('const COMMANDS')));
  const names = new Set([...block.matchAll(/^ {2}'?([\w:-]+)'?: /gm)].map((m) => m[1]!));
  const groups: Record<string, () => object> = { scheduleCommands: () => scheduleCommands(() => Promise.reject(new Error('not run'))) };
  for (const m of block.matchAll(/^ {2}\.\.\.(\w+)\(/gm)) {
    const group = groups[m[1]!];
    if (!group) throw new Error(`cli.ts spreads ${m[1]}: teach runbooks.test.ts its command names`);
    for (const name of Object.keys(group())) names.add(name);
  }
  return names;
}

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
    const commands = cliCommands();
    for (const known of ['migrate', 'dlq:replay', 'crypto:rotate', 'schedule:list', 'schedule:reconcile', 'openapi']) expect(commands.has(known), known).toBe(true);
    for (const name of RUNBOOKS) {
      const text = fs.readFileSync(path.join(DIR, name), 'utf8');
      for (const m of text.matchAll(/npx visapi ([\w:-]+)/g)) {
        expect(commands.has(m[1]!), `${name}: npx visapi ${m[1]}`).toBe(true);
      }
    }
  });
});
