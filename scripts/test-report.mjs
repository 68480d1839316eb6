// What `npm test` says at its end, read from Vitest's JSON reports: apart from scripts/test.mjs
// (which builds and runs the suite when imported) so a unit test can feed it sample reports.
import path from 'node:path';

/**
 * The failed tests of one Vitest JSON report: the file (relative to `root`), the test's full
 * name and its error messages. A file that failed outside its tests (a beforeAll that threw, an
 * import error) is one entry with test "(file)".
 */
export function failedTests(report, root) {
  const failures = [];
  for (const file of report?.testResults ?? []) {
    const name = root ? path.relative(root, file.name) : file.name;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed') failures.push({ file: name, test: test.fullName, messages: test.failureMessages ?? [] });
    }
    if (file.status === 'failed' && file.message) failures.push({ file: name, test: '(file)', messages: [file.message] });
  }
  return failures;
}

/** `N passed, N failed[, N skipped]` over every run's report. */
export function summaryLine(reports) {
  const sum = (key) => reports.reduce((n, r) => n + r[key], 0);
  const skipped = sum('numPendingTests') + sum('numTodoTests');
  return `${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

const firstLine = (message = '') => message.split('\n', 1)[0];

/**
 * The lines under "passed on retry (flaky)": each file that passed only when run again, and
 * its first run's failures (the first line of each message; .visapi/test-flaky.json has them whole).
 */
export function flakyLines(flaky) {
  if (flaky.length === 0) return [];
  return [
    'passed on retry (flaky):',
    ...flaky.flatMap(({ file, failures }) => [
      `  ${file}`,
      ...(failures.length ? failures.map((f) => `    ✗ ${f.test}: ${firstLine(f.messages[0])}`) : ['    (its first run wrote no report)']),
    ]),
  ];
}
