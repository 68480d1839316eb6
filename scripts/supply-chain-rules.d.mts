export interface Finding {
  id: string;
  url: string;
  package: string;
  severity: string;
  title: string;
  range: string;
}
export interface AuditException {
  id: string;
  package: string;
  reason: string;
  reviewer: string;
  expires: string;
}
export const FAILING_SEVERITIES: string[];
export const MAX_EXCEPTION_DAYS: number;
export function parseAudit(
  stdout: string,
): { findings: Finding[]; unavailable?: undefined; error?: undefined } | { unavailable: string; findings?: undefined; error?: undefined } | { error: string; findings?: undefined; unavailable?: undefined };
export function checkExceptions(exceptions: unknown, today?: string): { valid: AuditException[]; problems: string[] };
export function evaluateAudit(findings: Finding[], exceptions: unknown, today: string): { ok: boolean; failures: string[]; notes: string[] };
