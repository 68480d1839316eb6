/**
 * PII redaction for everything written to the logs table (SPEC §9). Values are hidden,
 * shapes are kept ("+972****4567", "j***@example.com"), and metadata an operator needs —
 * statuses, timings, ids, step names, error classes — passes through untouched.
 */

import { isCredentialName, MASK, redactCredentials } from './credentials';

// ---- free-text detectors ------------------------------------------------------------

// Every quantifier is bounded, so scanning stays linear on long hostile input (a 512 KB
// payload of one letter must not take minutes).
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g;

/** IBAN: country, check digits, then 11-30 alphanumerics, optionally grouped by spaces. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}\b/g;

/** 13-19 digits, optionally grouped by single spaces or dashes (Luhn decides). */
const CARD = /(?<![\w.+-])\d(?:[ -]?\d){12,18}(?![\w.])/g;

/** Phone-like: optional +, digits with spaces, dashes, dots or parentheses between them. */
const PHONE = /(?<![\w.+/-])(?:\+|\(\+?)?\d[\d\s().-]{6,22}\d(?![\w.])/g;

/**
 * International digits without a plus (WhatsApp `wa_id`, MSISDNs) look like any id, so
 * they are masked only where a word names them as a phone (`to`, `wa_id`, `recipient`…,
 * also as a JSON key in text); then the same number is masked wherever else it appears in
 * that text. Bare digits nobody names (order ids, timestamps, amounts) stay.
 */
const NAMED_PHONE =
  /((?<![\p{L}\p{N}_])(?:phone(?:[ _-]?(?:number|no))?|tel|telephone|mobile|msisdn|whatsapp|wa_?id|contact_?id|recipient(?:_phone)?|to|sms)(?![\p{L}\p{N}])["']?[ \t]{0,3}[:=]?[ \t]{0,3}["']?)(\d{10,15})(?![\p{N}]|[.,]\p{N})/giu;
const BARE_DIGITS = /(?<!\d)\d{10,15}(?!\d)/g;

const DATE = String.raw`(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2} [A-Za-z]{3,9},? \d{4}|[A-Za-z]{3,9} \d{1,2},? \d{4})`;
/** A date introduced by words that say it is a date of birth. */
const BIRTH_DATE = new RegExp(
  String.raw`((?<![\p{L}\p{N}_])(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday|born(?: on)?|дата рождения|תאריך לידה)(?![\p{L}\p{N}_])[\s:=#-]{0,8})(${DATE})`,
  'giu',
);
/** A document number introduced by words that say it is a passport number. */
const PASSPORT = /((?<![\p{L}\p{N}_])(?:passport|паспорт|דרכון)(?:\s{0,3}(?:no\.?|number|num|#|№|номер|серия и номер|מספר))?[\s:=#-]{0,8})([A-Z0-9]{1,3}[ ]?[A-Z0-9]{5,9})\b/giu;

// ---- field names ------------------------------------------------------------------------

type FieldClass = 'email' | 'phone' | 'secret';

const norm = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');
const EXACT: Record<string, FieldClass> = {
  dob: 'secret', ssn: 'secret', iban: 'secret', cvv: 'secret', cvc: 'secret', pan: 'secret',
  cardnumber: 'secret', mobile: 'phone', msisdn: 'phone',
  // WhatsApp ids and the connectors' contact ids are phone numbers without a plus.
  waid: 'phone', contactid: 'phone', whatsapp: 'phone', whatsappnumber: 'phone', whatsappid: 'phone', tel: 'phone',
};
/** Keys whose value is masked as whatever it looks like: an address or a number. */
const RECIPIENT_KEYS = new Set(['to', 'recipient', 'recipients']);

/** What a key says it holds, if anything. Credentials (passwords, tokens, keys, cookies…): credentials.ts. */
function classify(key: string): FieldClass | undefined {
  const k = norm(key);
  if (EXACT[k]) return EXACT[k];
  if (isCredentialName(key)) return 'secret';
  if (k.startsWith('passport') || k.startsWith('birth') || k.includes('dateofbirth')) return 'secret';
  if (k.includes('email')) return 'email';
  if (k.includes('phone')) return 'phone';
  if (k.includes('address') && !k.includes('ipaddress')) return 'secret';
  return undefined;
}

// ---- masks --------------------------------------------------------------------------------

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return MASK;
  return `${email[0]}***${email.slice(at)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return MASK;
  const plus = phone.trimStart().startsWith('+') ? '+' : '';
  const head = digits.length >= 10 ? digits.slice(0, 3) : digits.slice(0, 2);
  return `${plus}${head}****${digits.slice(-4)}`;
}

function maskKeepLast4(value: string): string {
  let seen = 0;
  const total = value.replace(/\D/g, '').length;
  return value.replace(/\d/g, (d) => (++seen > total - 4 ? d : '*'));
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

function looksLikePhone(match: string): boolean {
  const digits = match.replace(/\D/g, '');
  if (digits.length < 9 || digits.length > 15) return false;
  const trimmed = match.trim();
  if (ISO_DATE.test(trimmed) || /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(trimmed)) return false;
  if (trimmed.startsWith('+') || trimmed.startsWith('(')) return true;
  // Without a +, only national formats: a trunk prefix 0 (or Russia's 8) and 10-11 digits.
  return /^[08]/.test(digits) && digits.length >= 10 && digits.length <= 11;
}

/** Redacts credentials (credentials.ts) and PII found in free text. */
export function redactText(text: string): string {
  if (text.length < 6) return text;
  const named = new Set<string>();
  const masked = redactCredentials(text)
    .replace(BIRTH_DATE, (_, label: string) => `${label}${MASK}`)
    .replace(PASSPORT, (_, label: string, number: string) => `${label}${number.replace(/[A-Z0-9]/gi, '*')}`)
    .replace(EMAIL, maskEmail)
    .replace(IBAN, (m) => (ibanValid(m) ? `${m.slice(0, 4)}****${m.replace(/ /g, '').slice(-4)}` : m))
    .replace(NAMED_PHONE, (_, label: string, digits: string) => {
      named.add(digits);
      return `${label}${maskPhone(digits)}`;
    });
  return (named.size > 0 ? masked.replace(BARE_DIGITS, (m) => (named.has(m) ? maskPhone(m) : m)) : masked)
    .replace(CARD, (m) => (luhnValid(m.replace(/\D/g, '')) ? maskKeepLast4(m) : m))
    .replace(PHONE, (m) => {
      const lead = m.match(/^\s*/)![0];
      const trail = m.match(/\s*$/)![0];
      const core = m.trim();
      return looksLikePhone(core) ? `${lead}${maskPhone(core)}${trail}` : m;
    });
}

function maskField(value: string, kind: FieldClass): string {
  if (kind === 'email') return value.includes('@') ? maskEmail(value) : MASK;
  if (kind === 'phone') return maskPhone(value);
  return MASK;
}

/**
 * Redacts a JSON-like value: every string is scanned for PII, and the values of fields
 * whose names say what they hold are masked whatever they look like. Keys, numbers,
 * booleans and structure are kept.
 */
export function redact(value: unknown, field?: FieldClass): unknown {
  if (typeof value === 'string') return field ? maskField(value, field) : redactText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return field ? MASK : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, field));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // A recipient (`to`, `recipient`) is masked as whatever it looks like: an address or a number.
      const kind = field ?? (RECIPIENT_KEYS.has(norm(key)) ? recipientClass(inner) : classify(key));
      out[key] = redact(inner, kind);
    }
    return out;
  }
  return value;
}

function recipientClass(value: unknown): FieldClass | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.includes('@')) return 'email';
  if (/^\+?[\d\s().-]{7,}$/.test(value)) return 'phone';
  return undefined;
}
