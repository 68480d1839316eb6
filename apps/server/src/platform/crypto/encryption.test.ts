import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataCipher, DataKeyError, dataKeyId } from './encryption';

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

/** A value as releases before key ids sealed it: version 1, IV, tag, ciphertext. */
function legacySeal(key: Buffer, value: unknown): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
  return Buffer.concat([Buffer.from([1]), iv, c.getAuthTag(), body]);
}

/** Random keys whose ids all differ (a previous key sharing the current key's id is refused, see below). */
function keys(n: number): Buffer[] {
  for (;;) {
    const ks = Array.from({ length: n }, () => randomBytes(32));
    if (new Set(ks.map(dataKeyId)).size === n) return ks;
  }
}
const twoKeys = () => keys(2) as [Buffer, Buffer];

describe('DataCipher key ids and previous keys (issue 13)', () => {
  it('writes the legacy layout until a previous key is set (what the previous release reads), then the key id', () => {
    const [oldKey, newKey] = twoKeys();
    const plain = new DataCipher(oldKey);
    expect(plain.rotating).toBe(false);
    const legacy = plain.encryptJson({ passport: 'X1' });
    expect(legacy[0]).toBe(1);
    expect(() => plain.reseal(legacy)).toThrow('DATA_ENCRYPTION_PREVIOUS_KEYS is empty: nothing to rotate from');

    const rotating = new DataCipher(newKey, [oldKey]);
    expect(rotating.rotating).toBe(true);
    expect(rotating.encryptJson(1)[0]).toBe(0x80 | dataKeyId(newKey));
    expect(rotating.decryptJson(legacy)).toEqual({ passport: 'X1' });
    expect(rotating.isCurrent(legacy)).toBe(false);
    const resealed = rotating.reseal(legacy)!;
    expect(resealed[0]).toBe(0x80 | dataKeyId(newKey));
    expect(rotating.isCurrent(resealed)).toBe(true);
    expect(rotating.reseal(resealed)).toBeNull();

    // The previous key removed: what the rotation wrote still opens, and writing goes back to the legacy layout.
    const after = new DataCipher(newKey);
    expect(after.decryptJson(resealed)).toEqual({ passport: 'X1' });
    expect(after.encryptJson(2)[0]).toBe(1);
  });

  it('opens a keyed value with the previous key its id names', () => {
    const [a, b, c] = keys(3);
    const underA = new DataCipher(a!, [c!]).encryptJson({ a: 1 });
    expect(underA[0]).toBe(0x80 | dataKeyId(a!));
    expect(new DataCipher(b!, [c!, a!]).decryptJson(underA)).toEqual({ a: 1 });
  });

  it('reads the legacy layout under the current key or a previous one', () => {
    const [oldKey, newKey] = twoKeys();
    expect(new DataCipher(oldKey).decryptJson(legacySeal(oldKey, { a: 1 }))).toEqual({ a: 1 });
    const rotated = new DataCipher(newKey, [oldKey]);
    expect(rotated.decryptJson(legacySeal(oldKey, { a: 2 }))).toEqual({ a: 2 });
    expect(rotated.decryptJson(legacySeal(newKey, { a: 3 }))).toEqual({ a: 3 });
    expect(rotated.isCurrent(legacySeal(newKey, { a: 3 }))).toBe(false);
    expect(() => rotated.decrypt(legacySeal(randomBytes(32), { a: 5 }))).toThrow(/neither DATA_ENCRYPTION_KEY .* nor any of DATA_ENCRYPTION_PREVIOUS_KEYS/);
  });

  it('a legacy value no configured key opens: a DataKeyError naming the fix, not the raw GCM error', () => {
    const [oldKey, newKey, other] = keys(3);
    const sealed = legacySeal(oldKey!, { a: 4 });
    const alone = new DataCipher(newKey!);
    expect(() => alone.decrypt(sealed)).toThrow(DataKeyError);
    expect(() => alone.decrypt(sealed)).toThrow(
      `this value (legacy layout, no key id) opens with neither DATA_ENCRYPTION_KEY (${alone.keyId}) nor any of DATA_ENCRYPTION_PREVIOUS_KEYS (none set): add the old key to DATA_ENCRYPTION_PREVIOUS_KEYS`,
    );
    const withOther = new DataCipher(newKey!, [other!]);
    expect(() => withOther.decrypt(sealed)).toThrow(DataKeyError);
    expect(() => withOther.decrypt(sealed)).toThrow(/add the old key to DATA_ENCRYPTION_PREVIOUS_KEYS/);
    expect(new DataCipher(newKey!, [oldKey!]).decryptJson(sealed)).toEqual({ a: 4 });
  });

  it('names the unknown key id when no configured key has it', () => {
    const [oldKey, newKey, other] = keys(3);
    const sealed = new DataCipher(oldKey!, [other!]).encryptJson({ x: 1 });
    const id = `0x${dataKeyId(oldKey!).toString(16).padStart(2, '0')}`;
    const reader = new DataCipher(newKey!);
    expect(() => reader.decrypt(sealed)).toThrow(DataKeyError);
    expect(() => reader.decrypt(sealed)).toThrow(`encrypted under key id ${id}, which is neither DATA_ENCRYPTION_KEY (${reader.keyId}) nor one of DATA_ENCRYPTION_PREVIOUS_KEYS (none set)`);
  });

  it('refuses a previous key sharing the current key id, and keys of the wrong size; ignores the current key listed again', () => {
    const key = randomBytes(32);
    let twin: Buffer;
    do twin = randomBytes(32);
    while (dataKeyId(twin) !== dataKeyId(key));
    expect(() => new DataCipher(key, [twin])).toThrow(/key 1 has the same key id .* generate another DATA_ENCRYPTION_KEY/);
    expect(() => new DataCipher(key, [randomBytes(16)])).toThrow('DATA_ENCRYPTION_PREVIOUS_KEYS: key 1 must be 32 bytes (base64)');
    const same = new DataCipher(key, [key]);
    expect(same.rotating).toBe(false);
    expect(same.decryptJson(new DataCipher(key).encryptJson(7))).toBe(7);
  });
});
