import { describe, expect, it } from 'vitest';
import { failedTests, flakyLines, summaryLine, type VitestReport } from '../../../scripts/test-report.mjs';

/** What `vitest run --reporter=json` wrote for two files: a failed test beside a passing one, and a beforeAll that threw. */
const report: VitestReport = {
  numPassedTests: 1,
  numFailedTests: 1,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: [
    {
      name: '/repo/apps/server/test/redis-cluster.test.ts',
      status: 'failed',
      message: '',
      assertionResults: [
        { fullName: 'group passes', status: 'passed', failureMessages: [] },
        {
          fullName: 'group fails',
          status: 'failed',
          failureMessages: ['AssertionError: one is not two: expected 1 to be 2 // Object.is equality\n    at /repo/apps/server/test/redis-cluster.test.ts:4:49'],
        },
      ],
    },
    {
      name: '/repo/apps/server/test/scale-out.test.ts',
      status: 'failed',
      message: 'set-up broke',
      assertionResults: [{ fullName: 'never runs', status: 'skipped', failureMessages: [] }],
    },
  ],
};

describe('npm test: the closing summary (scripts/test-report.mjs)', () => {
  it('failedTests: each failed test with its messages, and a file that failed outside its tests, relative to the root', () => {
    expect(failedTests(report, '/repo')).toEqual([
      { file: 'apps/server/test/redis-cluster.test.ts', test: 'group fails', messages: [report.testResults[0]!.assertionResults[1]!.failureMessages![0]] },
      { file: 'apps/server/test/scale-out.test.ts', test: '(file)', messages: ['set-up broke'] },
    ]);
  });

  it('failedTests: none in a passing report, none when no report was written', () => {
    const passing = { ...report, testResults: [{ ...report.testResults[0]!, status: 'passed', assertionResults: [report.testResults[0]!.assertionResults[0]!] }] };
    expect(failedTests(passing, '/repo')).toEqual([]);
    expect(failedTests(undefined, '/repo')).toEqual([]);
  });

  it('flakyLines: each file that passed on retry, its first run\'s failures by name with their first line; nothing when none flaked', () => {
    const failures = failedTests(report, '/repo');
    expect(flakyLines([{ file: 'apps/server/test/redis-cluster.test.ts', failures }, { file: 'apps/server/test/bench-smoke.test.ts', failures: [] }])).toEqual([
      'passed on retry (flaky):',
      '  apps/server/test/redis-cluster.test.ts',
      '    ✗ group fails: AssertionError: one is not two: expected 1 to be 2 // Object.is equality',
      '    ✗ (file): set-up broke',
      '  apps/server/test/bench-smoke.test.ts',
      '    (its first run wrote no report)',
    ]);
    expect(flakyLines([])).toEqual([]);
  });

  it('summaryLine: the counts over every run, skipped only when there are some', () => {
    expect(summaryLine([report, { ...report, numPendingTests: 0, numTodoTests: 2 }])).toBe('2 passed, 2 failed, 3 skipped');
    expect(summaryLine([{ ...report, numPendingTests: 0 }])).toBe('1 passed, 1 failed');
  });
});
