// The audit gate's rules, pure so they can be unit-tested: `npm audit --json` output +
// reviewed exceptions + today's date → pass/fail with one message per finding.

export const FAILING_SEVERITIES = ['high', 'critical'];
const REQUIRED_FIELDS = ['id', 'package', 'reason', 'reviewer', 'expires'];

/** The advisory's GHSA id when its URL names one, else its npm advisory number. */
function advisoryId(via) {
  const ghsa = typeof via.url === 'string' ? via.url.match(/GHSA(?:-[0-9a-z]{4}){3}/i) : null;
  return ghsa ? ghsa[0] : String(via.source);
}

// Why npm could not ask the audit service, when that is the network's or the service's doing:
// a DNS, connection or timeout error, a 5xx, or the 405 some registries (and mirrors) answer for
// the bulk advisory endpoint. Anything else (no lockfile, a broken tree, an npm bug) is ours.
const NETWORK_CODES = /\b(ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET)\b/;
const UNAVAILABLE_STATUS = /^(?:5\d\d|405)\b/;

function isUnreachable(report, text) {
  const status = Number(report?.statusCode ?? report?.error?.statusCode);
  if (status === 405 || (status >= 500 && status <= 599)) return true;
  if (UNAVAILABLE_STATUS.test(String(report?.message ?? ''))) return true;
  return NETWORK_CODES.test(text);
}

/**
 * What `npm audit --json` said, in three shapes: findings (one per advisory and package),
 * unavailable (the audit service could not be reached or refused the request: network errors,
 * 5xx, 405), or error (npm failed for any other reason, e.g. no lockfile: the gate must fail).
 */
export function parseAudit(stdout) {
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    const text = String(stdout).trim();
    const reason = `npm audit printed no JSON (${text.slice(0, 200) || 'nothing'})`;
    return NETWORK_CODES.test(text) ? { unavailable: reason } : { error: reason };
  }
  if (!report || typeof report !== 'object' || !report.vulnerabilities) {
    const code = report?.error?.code ?? report?.code;
    const reason = String(report?.error?.summary || report?.message || code || 'no vulnerabilities section in the report').split('\n')[0];
    const text = [code, report?.message, report?.error?.summary, report?.error?.detail].filter(Boolean).join(' ');
    if (isUnreachable(report, text)) return { unavailable: reason };
    return { error: code && !reason.includes(code) ? `${code}: ${reason}` : reason };
  }
  const seen = new Map();
  for (const entry of Object.values(report.vulnerabilities)) {
    for (const via of entry.via ?? []) {
      if (typeof via !== 'object' || via === null) continue; // a name: the advisory is listed under that package
      const finding = {
        id: advisoryId(via),
        url: via.url ?? '',
        package: via.name ?? entry.name,
        severity: via.severity ?? entry.severity,
        title: via.title ?? '',
        range: via.range ?? '',
      };
      seen.set(`${finding.id} ${finding.package}`, finding);
    }
  }
  return { findings: [...seen.values()] };
}

export const MAX_EXCEPTION_DAYS = 90;

function addDays(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Problems with the exception file itself; an entry with any problem covers nothing. With
 * `today` (YYYY-MM-DD), an expiry more than MAX_EXCEPTION_DAYS after it is a problem too.
 */
export function checkExceptions(exceptions, today) {
  if (!Array.isArray(exceptions)) return { valid: [], problems: ['the exception list must be a JSON array'] };
  const valid = [];
  const problems = [];
  exceptions.forEach((entry, index) => {
    const label = `exception #${index + 1}${entry?.id ? ` (${entry.id})` : ''}`;
    const missing = REQUIRED_FIELDS.filter((field) => typeof entry?.[field] !== 'string' || entry[field].trim() === '');
    if (missing.length) return problems.push(`${label}: missing ${missing.join(', ')}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.expires) || Number.isNaN(Date.parse(`${entry.expires}T00:00:00Z`))) {
      return problems.push(`${label}: expires must be a date YYYY-MM-DD (got ${JSON.stringify(entry.expires)})`);
    }
    if (today && entry.expires > addDays(today, MAX_EXCEPTION_DAYS)) {
      return problems.push(`${label}: expires ${entry.expires} is more than ${MAX_EXCEPTION_DAYS} days out (latest ${addDays(today, MAX_EXCEPTION_DAYS)}); review it again by then`);
    }
    valid.push(entry);
  });
  return { valid, problems };
}

/** An exception names an advisory by its GHSA id, its npm number or its URL, for one package. */
function covers(exception, finding) {
  if (exception.package !== finding.package) return false;
  const id = exception.id.trim();
  return id.toLowerCase() === finding.id.toLowerCase() || (finding.url !== '' && id === finding.url);
}

/**
 * Fails on each high or critical finding without a live exception. An exception is live through
 * its `expires` day (UTC); after that the finding fails again, naming the expired entry.
 * `today` is a YYYY-MM-DD string.
 */
export function evaluateAudit(findings, exceptions, today) {
  const { valid, problems } = checkExceptions(exceptions, today);
  const failures = [...problems];
  const notes = [];
  const used = new Set();
  for (const finding of findings) {
    const line = `${finding.severity} ${finding.package} ${finding.id}${finding.title ? ` (${finding.title})` : ''}${finding.url ? ` ${finding.url}` : ''}`;
    if (!FAILING_SEVERITIES.includes(finding.severity)) {
      notes.push(`below the gate: ${line}`);
      continue;
    }
    const matching = valid.filter((exception) => covers(exception, finding));
    const live = matching.find((exception) => exception.expires >= today);
    if (live) {
      used.add(live);
      notes.push(`excepted until ${live.expires} (${live.reviewer}: ${live.reason}): ${line}`);
    } else if (matching.length) {
      const last = matching.map((e) => e.expires).sort().at(-1);
      failures.push(`${line}: its exception expired on ${last}; fix it or review the exception again`);
    } else {
      failures.push(`${line}: upgrade it, or add a reviewed exception with an expiry to .ci/audit-exceptions.json`);
    }
  }
  for (const exception of valid) {
    if (used.has(exception)) continue;
    const state = exception.expires >= today ? 'matches no finding now' : `expired on ${exception.expires} and matches no finding`;
    notes.push(`exception ${exception.id} (${exception.package}) ${state}: remove it`);
  }
  return { ok: failures.length === 0, failures, notes };
}
