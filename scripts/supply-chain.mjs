// CI's supply-chain step (`node scripts/supply-chain.mjs`, run by .ci/run before the tests):
// 1. a CycloneDX SBOM of the production dependencies into .visapi/sbom.cdx.json;
// 2. `npm audit` of the production dependencies: fails on a high or critical advisory unless
//    .ci/audit-exceptions.json holds a reviewed, unexpired exception for it. When the audit
//    service cannot be reached (network error, 5xx, the registry's 405), it says so and passes
//    (the SBOM is still written); any other npm error (no lockfile, …) fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';
import { evaluateAudit, parseAudit } from './supply-chain-rules.mjs';

const OUT_DIR = path.join(ROOT, '.visapi');
export const SBOM_FILE = path.join(OUT_DIR, 'sbom.cdx.json');
export const AUDIT_FILE = path.join(OUT_DIR, 'audit.json');
export const EXCEPTIONS_FILE = path.join(ROOT, '.ci/audit-exceptions.json');

const say = (message) => process.stdout.write(`supply-chain: ${message}\n`);

function npm(args, timeoutMs) {
  return spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs });
}

function writeSbom() {
  const result = npm(['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], 300_000);
  let bom;
  try {
    bom = JSON.parse(result.stdout);
  } catch {
    // fall through: reported below
  }
  if (result.status !== 0 || bom?.bomFormat !== 'CycloneDX') {
    say(`npm sbom failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return false;
  }
  fs.writeFileSync(SBOM_FILE, `${JSON.stringify(bom, null, 2)}\n`);
  say(`SBOM (CycloneDX ${bom.specVersion}, ${bom.components?.length ?? 0} production components) written to ${SBOM_FILE}`);
  return true;
}

function readExceptions() {
  if (!fs.existsSync(EXCEPTIONS_FILE)) return [];
  try {
    const parsed = JSON.parse(fs.readFileSync(EXCEPTIONS_FILE, 'utf8'));
    return Array.isArray(parsed?.exceptions) ? parsed.exceptions : parsed;
  } catch (error) {
    return { invalid: `${EXCEPTIONS_FILE} is not valid JSON: ${error.message}` };
  }
}

function audit(today) {
  // npm audit exits non-zero both when it finds something and when it cannot ask: read the JSON.
  const result = npm(['audit', '--omit=dev', '--json'], 120_000);
  fs.writeFileSync(AUDIT_FILE, result.stdout || '');
  // Killed by the timeout above: spawnSync's error says ETIMEDOUT, which parseAudit counts as unreachable.
  const parsed = parseAudit(result.stdout || (result.error ? `${result.error.code ?? ''} ${result.error.message}` : ''));
  if (parsed.error) {
    say(`npm audit failed (${parsed.error}): dependency audit FAILED; report in ${AUDIT_FILE}`);
    return false;
  }
  if (parsed.unavailable) {
    say(`the audit service could not be reached or did not answer (${parsed.unavailable}): dependency audit SKIPPED, CI goes on`);
    return true;
  }
  const exceptions = readExceptions();
  if (exceptions.invalid) {
    say(exceptions.invalid);
    return false;
  }
  const verdict = evaluateAudit(parsed.findings, exceptions, today);
  for (const note of verdict.notes) say(note);
  for (const failure of verdict.failures) say(`FAIL ${failure}`);
  say(
    verdict.ok
      ? `audit of production dependencies: ${parsed.findings.length} advisories, none high or critical without a live exception`
      : `audit of production dependencies failed: ${verdict.failures.length} problem(s); report in ${AUDIT_FILE}`,
  );
  return verdict.ok;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const sbomOk = writeSbom();
  const auditOk = audit(new Date().toISOString().slice(0, 10));
  process.exit(sbomOk && auditOk ? 0 : 1);
}
