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
    // issue 9 review: the credential detectors
    ['bearer words', 'Bearer '.repeat(150_000)],
    ['a long bearer token', `Bearer ${'A1'.repeat(500_000)}`],
    ['JWT starts', 'eyJ'.repeat(300_000)],
    ['JWT heads without a payload', 'eyJhbGciOiJIUzI1NiJ9.'.repeat(40_000)],
    ['a long JWT-like run', `eyJ${'a'.repeat(1 << 20)}.eyJ${'b'.repeat(1 << 19)}`],
    ['PEM begins without an end', '-----BEGIN PRIVATE KEY-----\n'.repeat(35_000)],
    ['PEM ends', '-----END PRIVATE KEY-----'.repeat(40_000)],
    ['names without values', 'token='.repeat(150_000)],
    ['many pairs', 'access_token=a&'.repeat(60_000)],
    ['long names', `${'a_'.repeat(500_000)}token=x`],
    ['quoted keys', '"token":"'.repeat(100_000)],
    ['AWS prefixes', 'AKIA'.repeat(250_000)],
    ['URL schemes', 'postgres://u:'.repeat(80_000)],
  ])('%s', (_, text) => {
    expect(redactText(text).length).toBeGreaterThan(0);
  });
});

// A JWT (header.payload.signature, base64url JSON), a PEM key and AWS key ids as providers hand them out.
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjE2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkRhbmEifQ.Sf1KxwRJSMeKKF2QT4fwpMeJf36P_Ok6yJV_adQssw5c';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----';

describe('issue 9 review: credentials in free text (an http.request body or header, an error message)', () => {
  it.each([
    // an OAuth token response as a form body, and a redirect carrying tokens and a code
    ['access_token=ya29.a0AfH6SMBx3kQ&token_type=Bearer&refresh_token=1//0gLx9Yv-Lr&expires_in=3599', 'access_token=[redacted]&token_type=Bearer&refresh_token=[redacted]&expires_in=3599'],
    ['https://app.example.com/cb?access_token=abc123XYZ&code=4/0AX4XfWhQ&state=s-1', 'https://app.example.com/cb?access_token=[redacted]&code=[redacted]&state=s-1'],
    ['https://app.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj', 'https://app.example.com/cb?code=[redacted]&state=af0ifjsldkj'],
    ['grant_type=client_credentials&client_id=visapi&client_secret=s3cr3t-V4lue', 'grant_type=client_credentials&client_id=visapi&client_secret=[redacted]'],
    ['id_token=' + JWT + '&session_state=x', 'id_token=[redacted]&session_state=x'],
    ['login failed for password=hunter2 (user dana)', 'login failed for password=[redacted] (user dana)'],
    ['passwd="correct horse"; pwd=abc', 'passwd="[redacted]"; pwd=[redacted]'],
    ['https://maps.example.com/api?key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY&q=Haifa', 'https://maps.example.com/api?key=[redacted]&q=Haifa'],
    ['https://b.s3.example.com/f.pdf?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101&X-Amz-Security-Token=FwoGZXIvYXdz&X-Amz-Signature=fe5f80f77d5fa3beca038a2', 'https://b.s3.example.com/f.pdf?X-Amz-Credential=[redacted]&X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]'],
    // a pdf.generate/image.process output's link (local driver): the signature is the bearer secret
    ['https://visapi.example.com/files/pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf?expires=1764547200&signature=q9X_0aZ-Vb1R8mK2wLp4TnYc6HsJdE3fGuIoA7kNhQM', 'https://visapi.example.com/files/pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf?expires=1764547200&signature=[redacted]'],
    ['https://hooks.example.com/in?sig=Zm9vYmFyYmF6MTIz&api_key=k-1&apikey=k-2&jwt=x.y.z&auth=a1b2c3d4', 'https://hooks.example.com/in?sig=[redacted]&api_key=[redacted]&apikey=[redacted]&jwt=[redacted]&auth=[redacted]'],
    ['set-cookie: session=abc123; Path=/; sessionid=s-9; HttpOnly', 'set-cookie: session=[redacted]; Path=/; sessionid=[redacted]; HttpOnly'],
    ['oauth_token=tok-1&oauth_signature=c2lnbmF0dXJl&hub.verify_token=vt-1', 'oauth_token=[redacted]&oauth_signature=[redacted]&hub.verify_token=[redacted]'],
    ['{"access_token": "abc.def", "expires_in": 3600, "client_secret":"s-1", "scope":"read"}', '{"access_token": "[redacted]", "expires_in": 3600, "client_secret":"[redacted]", "scope":"read"}'],
    // Authorization schemes keep their word
    ['Authorization: Bearer ' + JWT, 'Authorization: Bearer [redacted]'],
    ['sent with bearer vk_abc_def123 to the API', 'sent with bearer [redacted] to the API'],
    ['proxy said Basic dXNlcjpwYXNz and closed', 'proxy said Basic [redacted] and closed'],
    // bare JWTs, PEM blocks (also JSON-escaped, also cut short), AWS access key ids, passwords in URLs
    ['id ' + JWT + ' ok', 'id [redacted] ok'],
    ['key:\n' + PEM + '\nend', 'key:\n-----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY-----\nend'],
    [JSON.stringify({ k: PEM.replace('PRIVATE KEY', 'RSA PRIVATE KEY').replace('END PRIVATE', 'END RSA PRIVATE') }), '{"k":"-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----"}'],
    ['cut: ' + PEM.slice(0, 90), 'cut: -----BEGIN PRIVATE KEY-----[redacted]'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----', '-----BEGIN OPENSSH PRIVATE KEY-----[redacted]-----END OPENSSH PRIVATE KEY-----'],
    ['aws key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A used', 'aws key AKIA[redacted] and ASIA[redacted] used'],
    ['could not connect to postgres://visapi:s3cret-pw@db.internal:5432/visapi', 'could not connect to postgres://visapi:[redacted]@db.internal:5432/visapi'],
  ])('issue 9 review: %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
    expect(redactText(expected), 'idempotent').toBe(expected);
  });

  it.each([
    'Basic authentication required',
    'Bearer realm="api", error="invalid_token"',
    'token_type=Bearer&expires_in=3600&scope=read',
    'HTTP status code=404 from upstream',
    'webhook key=partner-status rotated',
    'prompt_tokens=123 completion_tokens=45',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
    'version 1.2.0 of eyJ-parser',
    'https://api.example.com/v1/items?page=2&sort=name',
    'signed=true, sessionCount=3',
  ])('issue 9 review: what is not a credential stays: %s', (input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe('issue 9 review: credential field names', () => {
  it('issue 9 review: AWS, service-account, OAuth and session fields are masked; the metadata beside them stays', () => {
    expect(
      redact({
        Credentials: { AccessKeyId: 'ASIAY34FZKBOKMUTVV7A', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', SessionToken: 'FwoGZXIvYXdz', Expiration: '2026-11-26T12:00:00Z' },
        AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        aws_secret_access_key: 'wJalrXUtnFEMI',
        private_key: PEM,
        privateKey: 'abc',
        private_key_id: 'kid-7',
        session: 'sess-abc',
        user_session: 's-2',
        jwt: 'x.y.z',
        jwtToken: 'x.y.z',
        credential: 'c-1',
        password_hash: '$2b$10$abcdefghijklmnopqrstuv',
        passwordHash: '$2b$10$x',
        hashed_password: 'h',
        client_secret: 'cs-1',
        clientSecretValue: 'cs-2',
        signingKey: 'sk-1',
        tokens: ['t-1', 't-2'],
        // metadata that stays
        token_type: 'Bearer',
        expires_in: 3599,
        tokenExpiresAt: '2026-11-26T12:00:00Z',
        secretEmail: 'dana@example.com',
        token_endpoint: 'https://idp.example.com/token',
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_type_hint: 'refresh_token',
        sessionCount: 3,
        session_state: 'active',
        secretName: 'prod/db',
        secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:db',
        credentialId: 'cred-1',
        passwordChangedAt: '2026-01-01',
        prompt_tokens: 12,
        total_tokens: 40,
        key: 'partner-status',
        status: 'active',
      }),
    ).toEqual({
      Credentials: { AccessKeyId: '[redacted]', SecretAccessKey: '[redacted]', SessionToken: '[redacted]', Expiration: '[redacted]' },
      AccessKeyId: '[redacted]',
      SecretAccessKey: '[redacted]',
      aws_secret_access_key: '[redacted]',
      private_key: '[redacted]',
      privateKey: '[redacted]',
      private_key_id: 'kid-7',
      session: '[redacted]',
      user_session: '[redacted]',
      jwt: '[redacted]',
      jwtToken: '[redacted]',
      credential: '[redacted]',
      password_hash: '[redacted]',
      passwordHash: '[redacted]',
      hashed_password: '[redacted]',
      client_secret: '[redacted]',
      clientSecretValue: '[redacted]',
      signingKey: '[redacted]',
      tokens: ['[redacted]', '[redacted]'],
      token_type: 'Bearer',
      expires_in: 3599,
      tokenExpiresAt: '2026-11-26T12:00:00Z',
      secretEmail: 'd***@example.com',
      token_endpoint: 'https://idp.example.com/token',
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_type_hint: 'refresh_token',
      sessionCount: 3,
      session_state: 'active',
      secretName: 'prod/db',
      secret_arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:db',
      credentialId: 'cred-1',
      passwordChangedAt: '2026-01-01',
      prompt_tokens: 12,
      total_tokens: 40,
      key: 'partner-status',
      status: 'active',
    });
  });

  it('issue 9 review: an OAuth token response keeps its shape, every credential in it masked', () => {
    const response = { status: 200, headers: { location: 'https://app.example.com/cb?access_token=at-1&code=c0de-1&state=s' }, body: { access_token: 'at-1', refresh_token: 'rt-1', id_token: JWT, token_type: 'Bearer', expires_in: 3600, note: `Bearer ${JWT}` } };
    expect(redact(response)).toEqual({
      status: 200,
      headers: { location: 'https://app.example.com/cb?access_token=[redacted]&code=[redacted]&state=s' },
      body: { access_token: '[redacted]', refresh_token: '[redacted]', id_token: '[redacted]', token_type: 'Bearer', expires_in: 3600, note: 'Bearer [redacted]' },
    });
  });
});
