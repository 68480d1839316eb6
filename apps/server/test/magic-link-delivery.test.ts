import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, TestSmtpServer } from './support/smtp-server';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let smtp: TestSmtpServer;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  t = await createTestApp(infra, { role: 'gateway', env: { SMTP_URL: await smtp.start(), AUTH_ALLOWED_DOMAINS: 'visa.example', IP_RATE_LIMIT_BURST: '100' } });
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
  await infra?.cleanup();
});

const ask = (email: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email } });

describe('magic-link requests', () => {
  it('issue 9 #12: an allowed address is answered before its mail is sent (the answer waits for no SMTP server)', { timeout: 10_000 }, async () => {
    const held = smtp.holdNext();
    const mail = smtp.nextMail();
    // The SMTP server does not answer the message until released: an answer that waited for
    // the mail would never come.
    const res = await ask('dana@visa.example');
    expect(res.statusCode).toBe(202);
    await held.reached;
    held.release();
    expect(linkIn(await mail).pathname).toBe('/auth/callback');
  });

  it('issue 9 #12: allowed and refused addresses get the same answer', async () => {
    const mail = smtp.nextMail();
    const allowed = await ask('lee@visa.example');
    const refused = await ask('lee@gmail.com');
    expect([allowed.statusCode, refused.statusCode]).toEqual([202, 202]);
    expect(allowed.body).toBe(refused.body);
    expect((await mail).to).toMatchObject({ text: 'lee@visa.example' });
  });
});
