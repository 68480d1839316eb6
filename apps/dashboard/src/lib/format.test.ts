import { describe, expect, it } from 'vitest';
import { currencyDigits, durationBetween, formatDateTime, formatDuration, formatMoney, formatNumber, formatPercent, formatRelative, formatTime, fromDateTimeLocal, parseMoney, toDateTimeLocal } from './format';

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
  it('writes what Intl’s English writes, without Intl (whose first use costs a tab tens of ms)', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    const intl = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
    const cases: Array<[number, Intl.RelativeTimeFormatUnit, number]> = [
      [0, 'second', 0], [-1, 'second', -1], [30, 'second', 30], [-61, 'minute', -1], [150, 'minute', 3], [-7_200, 'hour', -2],
      [-86_400, 'day', -1], [86_400, 'day', 1], [-3 * 86_400, 'day', -3], [-400 * 86_400, 'day', -400],
    ];
    for (const [offset, unit, value] of cases) expect(formatRelative(new Date(now + offset * 1_000).toISOString(), now)).toBe(intl.format(value, unit));
    const grouped = new Intl.NumberFormat('en');
    for (const n of [0, 7, 999, 1_000, 12_345, 1_234_567, -1_234, 1_234.5]) expect(formatNumber(n)).toBe(grouped.format(n));
    expect([formatPercent(0), formatPercent(1), formatPercent(0.5), formatPercent(0.12345)]).toEqual(['0%', '100%', '50%', '12.3%']);
    expect(formatNumber(null)).toBe('—');
  });
  it('writes dates and times in the browser’s zone, one English form', () => {
    const at = new Date(2026, 10, 3, 9, 5, 7).toISOString();
    expect(formatDateTime(at)).toBe('3 Nov 2026, 09:05:07');
    expect(formatTime(at)).toBe('09:05:07');
    expect([formatDateTime(null), formatDateTime('not a date'), formatTime(undefined)]).toEqual(['—', '—', '—']);
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

describe('money in minor units', () => {
  const plain = (s: string) => s.replace(/\s/g, ' ');
  it('formats with the currency’s own decimals, exactly', () => {
    expect(formatMoney(1999, 'usd')).toBe('$19.99');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(plain(formatMoney(1234, 'bhd'))).toBe('BHD 1.234');
    expect(formatMoney(5, 'eur')).toBe('€0.05');
    expect(formatMoney(0, 'usd')).toBe('$0.00');
    expect(formatMoney(99_999_999, 'usd')).toBe('$999,999.99');
    // A float would print 0.30000000000000004 somewhere on the way; strings do not.
    expect(formatMoney(30, 'usd')).toBe('$0.30');
    expect(formatMoney(null, 'usd')).toBe('—');
    expect(formatMoney(1.5, 'usd')).toBe('—');
    expect(plain(formatMoney(1999, 'xyz'))).toBe('XYZ 19.99');
  });
  it('knows Stripe’s zero- and three-decimal currencies', () => {
    expect([currencyDigits('usd'), currencyDigits('JPY'), currencyDigits('ugx'), currencyDigits('kwd'), currencyDigits('isk')]).toEqual([2, 0, 0, 3, 2]);
  });
  it('reads major units as minor units by string arithmetic', () => {
    expect(parseMoney('19.99', 'usd')).toEqual({ ok: true, amount: 1999 });
    expect(parseMoney('0.29', 'usd')).toEqual({ ok: true, amount: 29 }); // 0.29 * 100 = 28.999999999999996
    expect(parseMoney(' 12 ', 'usd')).toEqual({ ok: true, amount: 1200 });
    expect(parseMoney('12.5', 'usd')).toEqual({ ok: true, amount: 1250 });
    expect(parseMoney('12.', 'usd')).toEqual({ ok: true, amount: 1200 });
    expect(parseMoney('500', 'jpy')).toEqual({ ok: true, amount: 500 });
    expect(parseMoney('1.234', 'bhd')).toEqual({ ok: true, amount: 1234 });
    expect(parseMoney('007.10', 'eur')).toEqual({ ok: true, amount: 710 });
  });
  it('refuses what is not an amount of that currency', () => {
    const error = (input: string, currency: string) => {
      const parsed = parseMoney(input, currency);
      return parsed.ok ? `parsed as ${parsed.amount}` : parsed.error;
    };
    expect(error('', 'usd')).toBe('Enter an amount');
    expect(error('abc', 'usd')).toMatch(/Enter a number/);
    expect(error('1,000.00', 'usd')).toMatch(/no thousands separators/);
    expect(error('-5', 'usd')).toMatch(/Enter a number/);
    expect(error('1e3', 'usd')).toMatch(/Enter a number/);
    expect(error('.5', 'usd')).toMatch(/Enter a number/);
    expect(error('19.999', 'usd')).toBe('USD has at most 2 decimals');
    expect(error('12.5', 'jpy')).toBe('JPY has no decimals: enter a whole number');
    expect(error('1.2345', 'bhd')).toBe('BHD has at most 3 decimals');
    expect(error('0.00', 'usd')).toBe('Enter an amount greater than zero');
    expect(error('1000000', 'usd')).toBe('At most $999,999.99');
    expect(error('99999999999999999999', 'jpy')).toMatch(/^At most/);
  });
});
