/**
 * How the dashboard writes dates, durations and numbers: one place. Dates in the browser's time
 * zone, in one English form ("30 Nov 2026, 14:05:07") like the rest of the dashboard's text.
 *
 * Written by hand, not with Intl: a tab's first Intl formatter costs it 25–80 ms in one task
 * (ICU's locale and zone data), more than rendering the table it formats (docs/performance.md,
 * "Dashboard"). Intl is kept for money (formatMoney, on the Refunds page).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
const validDate = (iso: string | null | undefined) => {
  const d = iso ? new Date(iso) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};

/** "30 Nov 2026, 14:05:07" in the browser's zone; '—' when there is none. */
export function formatDateTime(iso: string | null | undefined): string {
  const d = validDate(iso);
  return d ? `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${clock(d)}` : '—';
}

/** "14:05:07" in the browser's zone. */
export function formatTime(iso: string | null | undefined): string {
  const d = validDate(iso);
  return d ? clock(d) : '—';
}

/** Digits grouped by thousands: 12,345 (and -1,234.5). */
function groupThousands(n: number): string {
  const [whole = '', fraction] = String(Math.abs(n)).split('.');
  return `${n < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ? `.${fraction}` : ''}`;
}

export const formatNumber = (n: number | null | undefined) => (n === null || n === undefined ? '—' : groupThousands(n));

/** 0.9876 → "98.8%" (one decimal at most). */
export const formatPercent = (ratio: number | null | undefined) =>
  ratio === null || ratio === undefined ? '—' : `${groupThousands(Math.round(ratio * 1_000) / 10)}%`;

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

/** "3 minutes ago", "in 45 seconds", "now", "yesterday": Intl's English with numeric 'auto'. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - now) / 1_000);
  const abs = Math.abs(seconds);
  if (seconds === 0) return 'now';
  if (abs < 60) return relative(seconds, 'second');
  if (abs < 3_600) return relative(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative(Math.round(seconds / 3_600), 'hour');
  const days = Math.round(seconds / 86_400);
  return days === -1 ? 'yesterday' : days === 1 ? 'tomorrow' : relative(days, 'day');
}

function relative(value: number, unit: string): string {
  const amount = `${groupThousands(Math.abs(value))} ${unit}${Math.abs(value) === 1 ? '' : 's'}`;
  return value < 0 ? `${amount} ago` : `in ${amount}`;
}

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
