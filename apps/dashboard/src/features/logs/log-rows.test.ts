import type { LogEntry } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { addLiveRows, compareIds, matchesLogFilters, mergeNewestFirst, newestId } from './log-rows';

const runId = '5b0f2d4e-8a4c-4f5e-9d3b-0c1a2b3c4d5e';
const workflowId = '0460c1fa-e996-46d1-8dee-f9fb40183ab8';
const actorId = '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01';

function entry(overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id: '100',
    level: 'info',
    message: 'Step notify succeeded',
    workflowId,
    runId,
    jobId: 'job-1',
    actorId,
    payload: null,
    piiRedacted: true,
    createdAt: '2026-11-30T10:00:00.000Z',
    ...overrides,
  };
}

describe('matchesLogFilters', () => {
  it('matches everything without filters', () => {
    expect(matchesLogFilters(entry({ workflowId: null, runId: null, actorId: null }), {})).toBe(true);
  });

  it('applies each filter as the server does', () => {
    const row = entry();
    expect(matchesLogFilters(row, { level: 'info' })).toBe(true);
    expect(matchesLogFilters(row, { level: 'error' })).toBe(false);
    expect(matchesLogFilters(row, { workflowId })).toBe(true);
    expect(matchesLogFilters(row, { workflowId: actorId })).toBe(false);
    expect(matchesLogFilters(row, { runId: runId.toUpperCase() })).toBe(true);
    expect(matchesLogFilters(entry({ runId: null }), { runId })).toBe(false);
    expect(matchesLogFilters(row, { actorId })).toBe(true);
    expect(matchesLogFilters(row, { actorId: runId })).toBe(false);
    expect(matchesLogFilters(row, { jobId: 'job-1' })).toBe(true);
    expect(matchesLogFilters(row, { jobId: 'job-2' })).toBe(false);
  });

  it('finds q anywhere in the message, whatever its case', () => {
    expect(matchesLogFilters(entry(), { q: 'NOTIFY succ' })).toBe(true);
    expect(matchesLogFilters(entry(), { q: 'failed' })).toBe(false);
  });

  it('keeps from inclusive and to exclusive', () => {
    const at = '2026-11-30T10:00:00.000Z';
    expect(matchesLogFilters(entry({ createdAt: at }), { from: at })).toBe(true);
    expect(matchesLogFilters(entry({ createdAt: at }), { to: at })).toBe(false);
    expect(matchesLogFilters(entry({ createdAt: at }), { from: '2026-11-30T12:00:00+02:00', to: '2026-11-30T10:00:01Z' })).toBe(true);
    expect(matchesLogFilters(entry({ createdAt: '2026-11-30T09:59:59.999Z' }), { from: at })).toBe(false);
  });

  it('needs every filter to match', () => {
    expect(matchesLogFilters(entry(), { level: 'info', q: 'notify', runId })).toBe(true);
    expect(matchesLogFilters(entry(), { level: 'info', q: 'notify', runId: actorId })).toBe(false);
  });
});

describe('log rows', () => {
  it('compares ids as numbers', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('100', '99')).toBeGreaterThan(0);
    expect(compareIds('12', '12')).toBe(0);
    expect(newestId([entry({ id: '99' }), entry({ id: '100' }), entry({ id: '7' })])).toBe('100');
    expect(newestId([])).toBeUndefined();
  });

  it('merges newest first, each row once, keeping the newest when capped', () => {
    const older = entry({ id: '1', createdAt: '2026-11-30T10:00:00.000Z' });
    const same = entry({ id: '2', createdAt: '2026-11-30T10:00:00.000Z' });
    const newer = entry({ id: '3', createdAt: '2026-11-30T10:00:05.000Z' });
    expect(mergeNewestFirst([newer, same], [same, older]).map((r) => r.id)).toEqual(['3', '2', '1']);
    expect(mergeNewestFirst([older], [newer, same], 2).map((r) => r.id)).toEqual(['3', '2']);
  });

  it('keeps at most the cap of live rows, the newest, and says it let some go', () => {
    const rows = (...ids: number[]) => ids.map((id) => entry({ id: String(id), createdAt: new Date(Date.UTC(2026, 10, 30, 10, 0, id)).toISOString() }));
    const two = addLiveRows({ rows: [], overflowed: false }, rows(1, 2), 3);
    expect(two).toEqual({ rows: rows(2, 1), overflowed: false });
    const again = addLiveRows(two, rows(2), 3);
    expect(again.overflowed).toBe(false);
    const full = addLiveRows(again, rows(3, 4), 3);
    expect(full).toEqual({ rows: rows(4, 3, 2), overflowed: true });
    expect(addLiveRows(full, rows(5), 3)).toEqual({ rows: rows(5, 4, 3), overflowed: true });
  });
});
