import { describe, expect, it } from 'vitest';
import { checkExceptions, evaluateAudit, parseAudit, type AuditException } from '../../../scripts/supply-chain-rules.mjs';

/** The shape `npm audit --json` (report version 2) prints: an advisory under its package, and a package affected through it. */
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'path-to-regexp': {
      name: 'path-to-regexp',
      severity: 'high',
      isDirect: false,
      via: [
        {
          source: 1101850,
          name: 'path-to-regexp',
          dependency: 'path-to-regexp',
          title: 'path-to-regexp outputs backtracking regular expressions',
          url: 'https://github.com/advisories/GHSA-9wv6-86v2-598j',
          severity: 'high',
          range: '<0.1.10',
        },
      ],
      effects: ['express'],
      range: '<0.1.10',
      fixAvailable: true,
    },
    express: { name: 'express', severity: 'high', isDirect: true, via: ['path-to-regexp'], effects: [], range: '4.0.0 - 4.20.0', fixAvailable: true },
    cookie: {
      name: 'cookie',
      severity: 'low',
      via: [{ source: 1099846, name: 'cookie', title: 'cookie accepts out of bounds characters', url: 'https://github.com/advisories/GHSA-pxg6-pf52-xh8x', severity: 'low', range: '<0.7.0' }],
    },
    tar: {
      name: 'tar',
      severity: 'critical',
      via: [{ source: 1234567, name: 'tar', title: 'arbitrary file write', url: '', severity: 'critical', range: '<7.0.0' }],
    },
  },
  metadata: { vulnerabilities: { low: 1, high: 2, critical: 1, total: 4 } },
};

const exception = (over: Partial<AuditException> = {}): AuditException => ({
  id: 'GHSA-9wv6-86v2-598j',
  package: 'path-to-regexp',
  reason: 'only reached through the dev server; the fixed major needs Node 22',
  reviewer: 'ops@visapi',
  expires: '2026-12-31',
  ...over,
});

describe('parseAudit', () => {
  it('lists one finding per advisory and package, skipping the packages only affected through another', () => {
    const { findings } = parseAudit(JSON.stringify(report));
    expect(findings).toEqual([
      expect.objectContaining({ id: 'GHSA-9wv6-86v2-598j', package: 'path-to-regexp', severity: 'high' }),
      expect.objectContaining({ id: 'GHSA-pxg6-pf52-xh8x', package: 'cookie', severity: 'low' }),
      expect.objectContaining({ id: '1234567', package: 'tar', severity: 'critical' }),
    ]);
  });

  it('calls the audit unavailable when npm could not reach the service (network errors, 5xx, 405)', () => {
    const refused = { message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 };
    expect(parseAudit(JSON.stringify(refused)).unavailable).toMatch(/^405 Method Not Allowed/);
    expect(parseAudit(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.npmjs.org' } })).unavailable).toBe(
      'getaddrinfo ENOTFOUND registry.npmjs.org',
    );
    expect(parseAudit(JSON.stringify({ message: '503 Service Unavailable - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 503 })).unavailable).toMatch(/^503/);
    for (const code of ['EAI_AGAIN', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET']) {
      expect(parseAudit(JSON.stringify({ error: { code, summary: `request to https://registry.npmjs.org failed, reason: ${code}` } })).unavailable).toMatch(code);
    }
    expect(parseAudit('npm ERR! code ECONNRESET network').unavailable).toMatch(/no JSON/);
    expect(parseAudit('ETIMEDOUT spawnSync npm ETIMEDOUT').unavailable).toMatch(/ETIMEDOUT/);
  });

  it("what this machine's registry answers for the audit endpoint (405, empty summary) stays unavailable", () => {
    const here = { message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } };
    expect(parseAudit(JSON.stringify(here))).toEqual({ unavailable: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk' });
  });

  it('fails (error, not unavailable) on any other npm error: no lockfile, a 4xx, output that is not JSON', () => {
    const noLock = { error: { code: 'ENOLOCK', summary: 'This command requires an existing lockfile.', detail: 'Try creating one first with: npm i --package-lock-only' } };
    expect(parseAudit(JSON.stringify(noLock))).toEqual({ error: 'ENOLOCK: This command requires an existing lockfile.' });
    expect(parseAudit(JSON.stringify({ message: '401 Unauthorized - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 401 })).error).toMatch(/^401/);
    expect(parseAudit(JSON.stringify({ error: { code: 'ERESOLVE', summary: 'could not resolve' } })).error).toMatch(/ERESOLVE/);
    expect(parseAudit(JSON.stringify({ auditReportVersion: 2 })).error).toMatch(/no vulnerabilities section/);
    expect(parseAudit('').error).toMatch(/no JSON \(nothing\)/);
    expect(parseAudit('npm ERR! Cannot read properties of undefined').error).toMatch(/no JSON/);
  });

  it('passes a clean report', () => {
    const clean = parseAudit(JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: {} }));
    expect(clean.findings).toEqual([]);
    expect(evaluateAudit(clean.findings!, [], '2026-11-30')).toEqual({ ok: true, failures: [], notes: [] });
  });
});

describe('evaluateAudit', () => {
  const findings = parseAudit(JSON.stringify(report)).findings!;
  const onlyHigh = findings.filter((f) => f.package === 'path-to-regexp');

  it('fails on each high or critical finding without an exception, and lets a low one through', () => {
    const verdict = evaluateAudit(findings, [], '2026-11-30');
    expect(verdict.ok).toBe(false);
    expect(verdict.failures).toEqual([
      expect.stringMatching(/^high path-to-regexp GHSA-9wv6-86v2-598j .*add a reviewed exception/),
      expect.stringMatching(/^critical tar 1234567 .*add a reviewed exception/),
    ]);
    expect(verdict.notes).toEqual([expect.stringMatching(/^below the gate: low cookie/)]);
  });

  it('passes a finding under a live exception, through its expiry day, by GHSA id, npm number or URL', () => {
    for (const id of ['GHSA-9wv6-86v2-598j', 'ghsa-9wv6-86v2-598j', 'https://github.com/advisories/GHSA-9wv6-86v2-598j']) {
      const verdict = evaluateAudit(onlyHigh, [exception({ id })], '2026-12-31');
      expect(verdict).toMatchObject({ ok: true, failures: [] });
      expect(verdict.notes).toEqual([expect.stringMatching(/^excepted until 2026-12-31 \(ops@visapi: only reached/)]);
    }
    expect(evaluateAudit(findings.filter((f) => f.package === 'tar'), [exception({ id: '1234567', package: 'tar' })], '2026-11-30').ok).toBe(true);
  });

  it('fails again the day after the exception expires, naming the expiry', () => {
    const verdict = evaluateAudit(onlyHigh, [exception()], '2027-01-01');
    expect(verdict.ok).toBe(false);
    expect(verdict.failures).toEqual([expect.stringMatching(/its exception expired on 2026-12-31; fix it or review the exception again$/)]);
  });

  it('a later live entry for the same advisory wins over an expired one', () => {
    expect(evaluateAudit(onlyHigh, [exception({ expires: '2026-01-01' }), exception({ expires: '2027-03-01' })], '2027-01-01').ok).toBe(true);
  });

  it('an exception covers its package only', () => {
    expect(evaluateAudit(onlyHigh, [exception({ package: 'express' })], '2026-11-30').ok).toBe(false);
  });

  it('notes exceptions that match nothing (live or expired) without failing', () => {
    const verdict = evaluateAudit([], [exception(), exception({ id: 'GHSA-aaaa-bbbb-cccc', expires: '2026-01-01' })], '2026-11-30');
    expect(verdict.ok).toBe(true);
    expect(verdict.notes).toEqual([
      'exception GHSA-9wv6-86v2-598j (path-to-regexp) matches no finding now: remove it',
      'exception GHSA-aaaa-bbbb-cccc (path-to-regexp) expired on 2026-01-01 and matches no finding: remove it',
    ]);
  });
});

describe('checkExceptions', () => {
  it('rejects entries without a reason, reviewer or real expiry date; such an entry covers nothing', () => {
    const { valid, problems } = checkExceptions([
      exception({ reason: ' ' }),
      { id: 'GHSA-9wv6-86v2-598j', package: 'path-to-regexp' },
      exception({ expires: 'next year' }),
      exception({ expires: '2026-13-45' }),
      exception(),
    ]);
    expect(valid).toHaveLength(1);
    expect(problems).toEqual([
      'exception #1 (GHSA-9wv6-86v2-598j): missing reason',
      'exception #2 (GHSA-9wv6-86v2-598j): missing reason, reviewer, expires',
      'exception #3 (GHSA-9wv6-86v2-598j): expires must be a date YYYY-MM-DD (got "next year")',
      'exception #4 (GHSA-9wv6-86v2-598j): expires must be a date YYYY-MM-DD (got "2026-13-45")',
    ]);
  });

  it('rejects an expiry more than 90 days after today (the file promises at most 90), through the 90th day', () => {
    expect(checkExceptions([exception({ expires: '2027-02-28' })], '2026-11-30')).toEqual({ valid: [exception({ expires: '2027-02-28' })], problems: [] });
    const { valid, problems } = checkExceptions([exception({ expires: '2027-03-01' }), exception({ expires: '2099-12-31' })], '2026-11-30');
    expect(valid).toEqual([]);
    expect(problems).toEqual([
      'exception #1 (GHSA-9wv6-86v2-598j): expires 2027-03-01 is more than 90 days out (latest 2027-02-28); review it again by then',
      'exception #2 (GHSA-9wv6-86v2-598j): expires 2099-12-31 is more than 90 days out (latest 2027-02-28); review it again by then',
    ]);
    const verdict = evaluateAudit(parseAudit(JSON.stringify(report)).findings!.slice(0, 1), [exception({ expires: '2099-12-31' })], '2026-11-30');
    expect(verdict.ok).toBe(false);
    expect(verdict.failures[0]).toMatch(/more than 90 days out/);
  });

  it('fails the gate on a malformed list even when nothing was found', () => {
    expect(evaluateAudit([], { id: 'x' }, '2026-11-30')).toMatchObject({ ok: false, failures: ['the exception list must be a JSON array'] });
    const onlyBroken = evaluateAudit(parseAudit(JSON.stringify(report)).findings!.slice(0, 1), [exception({ reviewer: '' })], '2026-11-30');
    expect(onlyBroken.ok).toBe(false);
    expect(onlyBroken.failures).toHaveLength(2);
  });
});
