import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_TOLERANCE_SECONDS, verifyStandardWebhook } from './standard-webhooks';

// The Standard Webhooks specification's example.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  body: Buffer.from('{"test": 2432232314}'),
};
const AT = 1614265330_000;

const signed = (body: string, at = new Date(AT), secret = SECRET, id = 'msg_1') => ({
  id,
  timestamp: String(Math.floor(at.getTime() / 1000)),
  signature: new Webhook(secret).sign(id, at, body),
  body: Buffer.from(body),
});

describe('verifyStandardWebhook', () => {
  it("issue 9 #15: accepts the specification's example and what the reference library signs, JSON or form", () => {
    expect(verifyStandardWebhook(SECRET, SPEC, AT)).toBe(true);
    expect(verifyStandardWebhook(SECRET, signed('{"a":1}'), AT)).toBe(true);
    expect(verifyStandardWebhook(SECRET, signed('a=1&a=2&name=%D7%93'), AT)).toBe(true);
    expect(verifyStandardWebhook(SECRET, signed(''), AT)).toBe(true);
  });

  it('issue 9 #15: verifies the raw bytes, including bytes that are not UTF-8', () => {
    const body = Buffer.from([0x61, 0x3d, 0xe9, 0xff]);
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const signature = createHmac('sha256', key).update(`m.${SPEC.timestamp}.`).update(body).digest('base64');
    expect(verifyStandardWebhook(SECRET, { id: 'm', timestamp: SPEC.timestamp, signature: `v1,${signature}`, body }, AT)).toBe(true);
    expect(verifyStandardWebhook(SECRET, { id: 'm', timestamp: SPEC.timestamp, signature: `v1,${signature}`, body: Buffer.from(body.toString('utf8')) }, AT)).toBe(false);
  });

  it('issue 9 #15: any of several space-separated signatures may match; other versions are ignored', () => {
    expect(verifyStandardWebhook(SECRET, { ...SPEC, signature: `v1,AAAA v2,xyz ${SPEC.signature}` }, AT)).toBe(true);
    expect(verifyStandardWebhook(SECRET, { ...SPEC, signature: SPEC.signature.replace('v1,', 'v2,') }, AT)).toBe(false);
    expect(verifyStandardWebhook(SECRET, { ...SPEC, signature: 'v1,' }, AT)).toBe(false);
    expect(verifyStandardWebhook(SECRET, { ...SPEC, signature: '' }, AT)).toBe(false);
  });

  it('issue 9 #15: refuses a tampered body, id or timestamp, and a wrong secret', () => {
    expect(verifyStandardWebhook(SECRET, { ...SPEC, body: Buffer.from('{"test": 2432232315}') }, AT)).toBe(false);
    expect(verifyStandardWebhook(SECRET, { ...SPEC, id: 'msg_other' }, AT)).toBe(false);
    expect(verifyStandardWebhook(SECRET, { ...SPEC, timestamp: '1614265331' }, AT)).toBe(false);
    expect(verifyStandardWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', SPEC, AT)).toBe(false);
  });

  it('issue 9 #15: refuses timestamps more than five minutes away, either way, and malformed ones', () => {
    const edge = SIGNATURE_TOLERANCE_SECONDS * 1000;
    expect(verifyStandardWebhook(SECRET, SPEC, AT + edge)).toBe(true);
    expect(verifyStandardWebhook(SECRET, SPEC, AT - edge)).toBe(true);
    expect(verifyStandardWebhook(SECRET, SPEC, AT + edge + 1000)).toBe(false);
    expect(verifyStandardWebhook(SECRET, SPEC, AT - edge - 1000)).toBe(false);
    for (const timestamp of ['', 'abc', '1614265330.5', '-1', '1e9']) {
      expect(verifyStandardWebhook(SECRET, { ...SPEC, timestamp }, AT)).toBe(false);
    }
    expect(verifyStandardWebhook(SECRET, { ...SPEC, id: '' }, AT)).toBe(false);
  });
});
