/** A vitest JSON report (the parts read here). */
export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    name: string;
    status: string;
    message: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}
export interface FailedTest {
  file: string;
  test: string;
  messages: string[];
}
export function failedTests(report: VitestReport | undefined, root?: string): FailedTest[];
export function summaryLine(reports: VitestReport[]): string;
export function flakyLines(flaky: Array<{ file: string; failures: FailedTest[] }>): string[];
