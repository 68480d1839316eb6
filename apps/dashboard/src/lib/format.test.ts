import { describe, expect, it } from 'vitest';
import { durationBetween, formatDuration, formatPercent, formatRelative, fromDateTimeLocal, toDateTimeLocal } from './format';

describe('format', () => {
  it('writes durations at a useful precision', () => {
    expect(formatDuration(850.4)).toBe('850 ms');
    expect(formatDuration(1_234)).toBe('1.23 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(null)).toBe('—');
  });
  it('measures from start to end, or to now while unfinished', () => {
    expect(durationBetween('2026-11-30T10:00:00Z', '2026-11-30T10:00:01.500Z')).toBe(1_500);
    expect(durationBetween('2026-11-30T10:00:00Z', null, Date.parse('2026-11-30T10:00:02Z'))).toBe(2_000);
    expect(durationBetween(null, null)).toBeNull();
  });
  it('writes relative times and ratios', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(formatRelative('2026-11-30T09:57:00Z', now)).toMatch(/3 minutes ago/);
    expect(formatRelative('2026-11-30T10:00:45Z', now)).toMatch(/in 45 seconds/);
    expect(formatPercent(0.9876)).toMatch(/98\.8\s?%/);
    expect(formatPercent(null)).toBe('—');
  });
});

describe('datetime-local values', () => {
  it('shows an instant in the browser’s zone, seconds only when there are some, and reads it back', () => {
    const withSeconds = new Date(2026, 10, 30, 10, 5, 7).toISOString();
    const onTheMinute = new Date(2026, 10, 30, 9, 0).toISOString();
    expect(toDateTimeLocal(withSeconds)).toBe('2026-11-30T10:05:07');
    expect(toDateTimeLocal(onTheMinute)).toBe('2026-11-30T09:00');
    expect(fromDateTimeLocal(toDateTimeLocal(withSeconds))).toBe(withSeconds);
    expect(fromDateTimeLocal('2026-11-30T09:00')).toBe(onTheMinute);
  });
  it('leaves out what is empty or not a date', () => {
    expect(toDateTimeLocal(undefined)).toBe('');
    expect(toDateTimeLocal('not a date')).toBe('');
    expect(fromDateTimeLocal('')).toBeUndefined();
    expect(fromDateTimeLocal('2026-13-45T99:99')).toBeUndefined();
  });
});
