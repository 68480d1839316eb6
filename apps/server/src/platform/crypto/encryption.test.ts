import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataCipher } from './encryption';

describe('DataCipher (AES-256-GCM)', () => {
  const cipher = new DataCipher(randomBytes(32));

  it('round-trips JSON and never reuses an IV, across IV pool refills', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 2_500; i++) {
      const sealed = cipher.encryptJson({ i, name: 'דנה' });
      ivs.add(sealed.subarray(1, 13).toString('hex'));
      if (i % 500 === 0) expect(cipher.decryptJson(sealed)).toEqual({ i, name: 'דנה' });
    }
    expect(ivs.size).toBe(2_500);
  });

  it('refuses a tampered value and another key’s value', () => {
    const sealed = cipher.encryptJson({ secret: 1 });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered)).toThrow();
    expect(() => new DataCipher(randomBytes(32)).decrypt(sealed)).toThrow();
    expect(() => cipher.decrypt(Buffer.from('nope'))).toThrow('not a VisAPI-encrypted value');
  });
});
