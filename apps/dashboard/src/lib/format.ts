/** How the dashboard writes dates, durations and numbers: one place, the browser's locale. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const integer = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDateTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatTime = (iso: string | null | undefined) => (iso ? time.format(new Date(iso)) : '—');
export const formatNumber = (n: number | null | undefined) => (n === null || n === undefined ? '—' : integer.format(n));
export const formatPercent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '—' : percent.format(ratio));

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 10 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')} min`;
}

/** The time from one ISO timestamp to another (or to now while unfinished). */
export function durationBetween(start: string | null | undefined, end: string | null | undefined, now = Date.now()): number | null {
  if (!start) return null;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** "3 minutes ago", "in 45 seconds". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - now) / 1_000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, 'second');
  if (abs < 3_600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3_600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a `datetime-local` input shows it, in the browser's zone (seconds only when not 0); '' when empty or invalid. */
export function toDateTimeLocal(iso: string | null | undefined): string {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '';
  const seconds = d.getSeconds() ? `:${pad2(d.getSeconds())}` : '';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}${seconds}`;
}

/** A `datetime-local` value (the browser's zone) as an ISO instant; undefined when empty or invalid. */
export function fromDateTimeLocal(value: string): string | undefined {
  const d = value ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

// Money: amounts are integers in the currency's minor unit, as Stripe counts them (SPEC §10).
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * How many decimals a currency's minor unit has for Stripe: its lists, not ISO 4217's (they
 * differ: Stripe counts ISK in two decimals, UGX and MGA in none); two for everything else.
 */
export function currencyDigits(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  return THREE_DECIMAL.has(code) ? 3 : 2;
}

/** Minor units as an exact decimal string: 1999, 2 → "19.99"; -5, 2 → "-0.05". */
function minorToDecimal(amount: number, digits: number): string {
  const sign = amount < 0 ? '-' : '';
  const units = String(Math.abs(Math.trunc(amount))).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** 1999 usd → "$19.99", 500 jpy → "¥500", 1234 bhd → "BHD 1.234": no floating point on the way. */
export function formatMoney(amount: number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || !Number.isSafeInteger(amount)) return '—';
  const digits = currencyDigits(currency);
  const code = currency.toUpperCase();
  let format = moneyFormats.get(code);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      return `${minorToDecimal(amount, digits)} ${code}`; // not an ISO code Intl knows
    }
    moneyFormats.set(code, format);
  }
  // Intl formats a decimal string exactly (no conversion through a float).
  return format.format(minorToDecimal(amount, digits) as unknown as number);
}

export type ParsedMoney = { ok: true; amount: number } | { ok: false; error: string };

/**
 * What an operator typed in major units ("19.99", "500") as minor units of the currency, by
 * string arithmetic: "19.99" usd → 1999, "1.234" bhd → 1234; too many decimals is an error.
 */
export function parseMoney(input: string, currency: string, max = 99_999_999): ParsedMoney {
  const text = input.trim();
  const digits = currencyDigits(currency);
  const code = currency.toUpperCase();
  if (text === '') return { ok: false, error: 'Enter an amount' };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, error: 'Enter a number, like 12.50 (a dot for decimals, no thousands separators)' };
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > digits) {
    return { ok: false, error: digits === 0 ? `${code} has no decimals: enter a whole number` : `${code} has at most ${digits} decimals` };
  }
  const units = `${whole}${fraction.padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '');
  if (units.length > String(max).length || Number(units) > max) return { ok: false, error: `At most ${formatMoney(max, currency)}` };
  const amount = Number(units);
  if (amount <= 0) return { ok: false, error: 'Enter an amount greater than zero' };
  return { ok: true, amount };
}
