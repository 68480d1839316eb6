import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, redact, redactText } from './redaction';

describe('redactText: PII in free text is masked, keeping its shape', () => {
  it.each([
    // phones: Israeli, Russian, US, UK
    ['call +972541234567 now', 'call +972****4567 now'],
    ['call +972-54-123-4567', 'call +972****4567'],
    ['mobile 054-123-4567', 'mobile 054****4567'],
    ['Russian +7 (912) 345-67-89', 'Russian +791****6789'],
    ['Russian 8 912 345 67 89', 'Russian 891****6789'],
    ['US +1 212 555 0123', 'US +121****0123'],
    ['US (212) 555-0123 ext', 'US 212****0123 ext'],
    ['UK +44 20 7946 0958', 'UK +442****0958'],
    ['UK 07700 900123', 'UK 077****0123'],
    // e-mails
    ['from john.doe@example.com today', 'from j***@example.com today'],
    ['<Dana+visa@mail.co.il>', '<D***@mail.co.il>'],
    // payment cards: Luhn-valid masked, Luhn-invalid kept
    ['card 4242424242424242 ok', 'card ************4242 ok'],
    ['card 4111 1111 1111 1111', 'card **** **** **** 1111'],
    ['amex 3782-822463-10005', 'amex ****-******-*0005'],
    ['not a card 4242424242424241', 'not a card 4242424242424241'],
    // IBANs
    ['IBAN GB82 WEST 1234 5698 7654 32', 'IBAN GB82****5432'],
    ['IL620108000000099999999 paid', 'IL62****9999 paid'],
    ['DE89370400440532013000', 'DE89****3000'],
    // passports of several countries, by context
    ['passport number: 123456789 (US)', 'passport number: ********* (US)'],
    ['Passport No. 533380006', 'Passport No. *********'],
    ['паспорт 45 0612345', 'паспорт ** *******'],
    ['German passport C01X00T47', 'German passport *********'],
    ['דרכון 31234567', 'דרכון ********'],
    // dates of birth
    ['DOB: 1985-03-14', 'DOB: [redacted]'],
    ['date of birth 14/03/1985', 'date of birth [redacted]'],
    ['born on March 14, 1985 in Haifa', 'born on [redacted] in Haifa'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe('redactText: what is not PII is left alone', () => {
  it.each([
    'run 3f2504e0-4f89-41d3-9a0c-0305e82c3301 finished',
    'started at 2026-11-26T10:30:00.123Z, took 1534 ms',
    'scheduled for 2026-11-26 10:30:00',
    'order ORD-2026-000123 shipped',
    'order #100234567 paid',
    'amount 1,234.56 ILS; total 12345678.90',
    'step notify attempt 2 of 5 failed: HTTP 503',
    'job 1234567 on queue critical',
    'version 1.2.0',
    'webhook visa-approved received',
    'channel C0123456789',
  ])('%s', (input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe('redact: JSON values', () => {
  it('masks fields by name, recursively, and scans other strings', () => {
    const input = {
      status: 'failed',
      durationMs: 1534,
      stepId: 'notify',
      error: { class: 'permanent', message: 'template rejected for +972541234567' },
      applicant: {
        firstName: 'Dana',
        email: 'dana@example.com',
        phone: '+972 54 123 4567',
        passportNumber: 'A12345678',
        dateOfBirth: '1985-03-14',
        address: { street: '1 Herzl St', city: 'Haifa' },
        notes: ['reach at dana@example.com'],
      },
      headers: { Authorization: 'Bearer vk_abc_def', 'X-Api-Key': 'vk_x_y', 'content-type': 'application/json' },
      password: 'hunter2',
      refreshToken: 'r-123',
      to: '+972541234567',
      cc: 'ops@example.com',
    };
    expect(redact(input)).toEqual({
      status: 'failed',
      durationMs: 1534,
      stepId: 'notify',
      error: { class: 'permanent', message: 'template rejected for +972****4567' },
      applicant: {
        firstName: 'Dana',
        email: 'd***@example.com',
        phone: '+972****4567',
        passportNumber: '[redacted]',
        dateOfBirth: '[redacted]',
        address: { street: '[redacted]', city: '[redacted]' },
        notes: ['reach at d***@example.com'],
      },
      headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]', 'content-type': 'application/json' },
      password: '[redacted]',
      refreshToken: '[redacted]',
      to: '+972****4567',
      cc: 'o***@example.com',
    });
  });

  it('keeps numbers, booleans, nulls and the shape of arrays', () => {
    expect(redact({ n: 5, ok: true, none: null, list: [1, 'two', { phone: 5551234567 }] })).toEqual({
      n: 5,
      ok: true,
      none: null,
      list: [1, 'two', { phone: '[redacted]' }],
    });
  });

  it('does not change its input', () => {
    const input = { email: 'a@b.co' };
    redact(input);
    expect(input).toEqual({ email: 'a@b.co' });
  });
});

describe('issue 9 #14: phones without a plus', () => {
  it('issue 9 #14: fields that hold a WhatsApp id, a contact id, a recipient or an MSISDN are masked as phones', () => {
    expect(
      redact({
        wa_id: '972501234567',
        waId: 972501234567,
        contactId: '972501234567',
        contact_id: '14155550123',
        recipient: '972501234567',
        recipient_phone: '972501234567',
        recipientPhone: '+972501234567',
        msisdn: '79123456789',
        mobile: '0541234567',
        whatsapp: '972501234567',
        whatsappNumber: '972501234567',
        contacts: [{ input: '+972501234567', wa_id: '972501234567' }],
      }),
    ).toEqual({
      wa_id: '972****4567',
      waId: '[redacted]',
      contactId: '972****4567',
      contact_id: '141****0123',
      recipient: '972****4567',
      recipient_phone: '972****4567',
      recipientPhone: '+972****4567',
      msisdn: '791****6789',
      mobile: '054****4567',
      whatsapp: '972****4567',
      whatsappNumber: '972****4567',
      contacts: [{ input: '+972****4567', wa_id: '972****4567' }],
    });
  });

  it('issue 9 #14: a recipient that is an address or a channel is not a phone', () => {
    expect(redact({ recipient: 'dana@example.com' })).toEqual({ recipient: 'd***@example.com' });
    expect(redact({ recipient: '#visa-ops' })).toEqual({ recipient: '#visa-ops' });
  });

  it('issue 9 #14: the Meta client result is masked once redacted', () => {
    const result = { messageId: 'wamid.HBgMOTcyNTAxMjM0NTY3FQIAERgSMEE2', contactId: '972501234567' };
    expect(redact(result)).toEqual({ messageId: 'wamid.HBgMOTcyNTAxMjM0NTY3FQIAERgSMEE2', contactId: '972****4567' });
  });

  it.each([
    ['sent to 972501234567 via meta', 'sent to 972****4567 via meta'],
    ['wa_id 972501234567', 'wa_id 972****4567'],
    ['{"wa_id":"972501234567","input":"972501234567"}', '{"wa_id":"972****4567","input":"972****4567"}'],
    ['recipient=14155550123;', 'recipient=141****0123;'],
    ['WhatsApp: 447700900123.', 'WhatsApp: 447****0123.'],
    ['phone number 79123456789', 'phone number 791****6789'],
    ['msisdn:972501234567', 'msisdn:972****4567'],
  ])('issue 9 #14: bare international digits named as a phone in text: %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    'order 972501234567 shipped',
    'took 1764150000000 ms',
    'reference 100234567890',
    'total to pay 12345678901.50',
    'sent 3 of 10 to 7 contacts',
    'contact 123 updated',
  ])('issue 9 #14: digits not named as a phone stay: %s', (input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe('redact: HTTP headers that carry credentials (an http.request output keeps its response headers)', () => {
  it('issue 9 #4: cookies, authorization and authentication challenges are masked by name; other headers kept', () => {
    const headers = {
      'set-cookie': 'session=abc; HttpOnly',
      'Set-Cookie2': 'legacy=1',
      cookie: 'session=abc',
      authorization: 'Basic dXNlcjpwYXNz',
      'proxy-authorization': 'Basic cHJveHk6cGFzcw==',
      'www-authenticate': 'Bearer realm="api", error="invalid_token", token68=abc',
      'proxy-authenticate': 'Basic realm="proxy"',
      'authentication-info': 'nextnonce="f8c4"',
      'x-auth-token': 'tok-1',
      'x-amz-security-token': 'FwoGZX',
      'x-session-id': 'sess-42',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    };
    expect(redact(headers)).toEqual({
      'set-cookie': '[redacted]',
      'Set-Cookie2': '[redacted]',
      cookie: '[redacted]',
      authorization: '[redacted]',
      'proxy-authorization': '[redacted]',
      'www-authenticate': '[redacted]',
      'proxy-authenticate': '[redacted]',
      'authentication-info': '[redacted]',
      'x-auth-token': '[redacted]',
      'x-amz-security-token': '[redacted]',
      'x-session-id': '[redacted]',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    });
  });
});

describe('checksums', () => {
  it('Luhn', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });
  it('IBAN mod 97', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
  });
});

describe('redactText on long hostile input', () => {
  // Completing at all is the point: before the quantifiers were bounded, a 512 KB run of one
  // letter took minutes (quadratic backtracking). The suite's timeout is the bound.
  it.each([
    ['one letter', 'x'.repeat(1 << 20)],
    ['local parts without a domain', 'a.b'.repeat(200_000)],
    ['digits and separators', '1-2 '.repeat(200_000)],
    ['many @', 'a@b'.repeat(200_000)],
    ['passport words', 'passport '.repeat(100_000)],
    ['phone words', 'wa_id: "'.repeat(100_000)],
    ['named numbers', 'to 972501234567 '.repeat(50_000)],
  ])('%s', (_, text) => {
    expect(redactText(text).length).toBeGreaterThan(0);
  });
});
