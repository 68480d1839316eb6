import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The first layout, from before key ids: whichever configured key opens it. */
const LEGACY_VERSION = 1;
/** The layout with a key id: the version byte is 0x80 | the key's 7-bit id. */
const KEYED = 0x80;
const IV_BYTES = 12;
const HEADER = 1 + IV_BYTES + 16;
const IV_POOL = 1024;

/**
 * A key's id: 7 bits of its SHA-256, so an operator never configures ids and the same key has
 * the same id on every host. Two keys may share an id (1 in 128): decryption tries each key
 * with the id (GCM's tag tells the right one).
 */
export function dataKeyId(key: Buffer): number {
  return createHash('sha256').update(key).digest()[0]! & 0x7f;
}

const hex = (id: number) => `0x${id.toString(16).padStart(2, '0')}`;

/** A value sealed under a key this process does not have, or that no configured key opens. */
export class DataKeyError extends Error {}

interface Key {
  id: number;
  key: Buffer;
}

/**
 * AES-256-GCM for data at rest (run inputs, raw step outputs). Layout: version byte, 12-byte
 * IV, 16-byte tag, ciphertext. Writes under DATA_ENCRYPTION_KEY; reads under it or any of
 * DATA_ENCRYPTION_PREVIOUS_KEYS: the keyed layout (version byte 0x80 | key id) with the key the
 * id names, the legacy layout (version 1, no id) with whichever key opens it.
 *
 * Expand, then contract (ADR 0008): processes of the previous release read only the legacy
 * layout, so this release writes the keyed layout only while a rotation is configured (a previous
 * key is set, which only this release understands: every process runs it by then) and the legacy
 * layout otherwise, also again once the previous keys are removed. The next release writes the
 * keyed layout always.
 */
export class DataCipher {
  /** Random IVs drawn in bulk: one randomFill per 1,024 encryptions instead of one call each. */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;
  private readonly current: Key;
  /** The current key first. */
  private readonly keys: Key[];
  private readonly version: number;
  private readonly writeVersion: number;

  constructor(key: Buffer, previousKeys: Buffer[] = []) {
    if (key.length !== 32) throw new Error('DATA_ENCRYPTION_KEY must be 32 bytes (base64)');
    this.current = { id: dataKeyId(key), key };
    this.version = KEYED | this.current.id;
    this.keys = [this.current];
    previousKeys.forEach((previous, i) => {
      if (previous.length !== 32) throw new Error(`DATA_ENCRYPTION_PREVIOUS_KEYS: key ${i + 1} must be 32 bytes (base64)`);
      if (this.keys.some((k) => k.key.equals(previous))) return;
      const id = dataKeyId(previous);
      // Rotation tells current values by their id alone; a previous key with the same id would pass for current.
      if (id === this.current.id) {
        throw new Error(`DATA_ENCRYPTION_PREVIOUS_KEYS: key ${i + 1} has the same key id (${hex(id)}) as DATA_ENCRYPTION_KEY (a 1-in-128 chance): generate another DATA_ENCRYPTION_KEY`);
      }
      this.keys.push({ id, key: previous });
    });
    this.writeVersion = this.rotating ? this.version : LEGACY_VERSION;
  }

  /** Whether DATA_ENCRYPTION_PREVIOUS_KEYS holds a key other than the current one. */
  get rotating(): boolean {
    return this.keys.length > 1;
  }

  /** The current key's id, as the CLI and the runbook show it (`0x2a`). */
  get keyId(): string {
    return hex(this.current.id);
  }

  encrypt(plaintext: Buffer): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([this.writeVersion]), iv, cipher.getAuthTag(), body]);
  }

  private nextIv(): Buffer {
    if (this.ivOffset >= this.ivPool.length) {
      this.ivPool = randomFillSync(Buffer.allocUnsafeSlow(IV_BYTES * IV_POOL));
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }

  decrypt(sealed: Buffer): Buffer {
    const version = sealed[0];
    if (sealed.length < HEADER || (version !== LEGACY_VERSION && (version === undefined || (version & KEYED) === 0))) throw new Error('not a VisAPI-encrypted value');
    const candidates = version === LEGACY_VERSION ? this.keys : this.keys.filter((k) => k.id === (version & 0x7f));
    if (candidates.length === 0) {
      throw new DataKeyError(
        `this value was encrypted under key id ${hex(version & 0x7f)}, which is neither DATA_ENCRYPTION_KEY (${this.keyId}) nor one of DATA_ENCRYPTION_PREVIOUS_KEYS (${this.keys.slice(1).map((k) => hex(k.id)).join(', ') || 'none set'}): add that key to DATA_ENCRYPTION_PREVIOUS_KEYS`,
      );
    }
    let failure: unknown;
    for (const { key } of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
        decipher.setAuthTag(sealed.subarray(13, HEADER));
        return Buffer.concat([decipher.update(sealed.subarray(HEADER)), decipher.final()]);
      } catch (error) {
        failure = error;
      }
    }
    if (version === LEGACY_VERSION) {
      throw new DataKeyError(
        `this value (legacy layout, no key id) opens with neither DATA_ENCRYPTION_KEY (${this.keyId}) nor any of DATA_ENCRYPTION_PREVIOUS_KEYS (${this.keys.slice(1).map((k) => hex(k.id)).join(', ') || 'none set'}): add the old key to DATA_ENCRYPTION_PREVIOUS_KEYS (or the value was altered)`,
      );
    }
    if (candidates.length === 1) throw failure;
    throw new DataKeyError('this value opens with none of the configured keys with its key id (altered, or sealed under another key with the same id)');
  }

  /** Whether the value is sealed under the current key with its id (what crypto:rotate leaves alone). */
  isCurrent(sealed: Buffer): boolean {
    return sealed[0] === this.version;
  }

  /** The value sealed again under the current key, with its id; null when it already is. */
  reseal(sealed: Buffer): Buffer | null {
    if (!this.rotating) throw new Error('DATA_ENCRYPTION_PREVIOUS_KEYS is empty: nothing to rotate from');
    return this.isCurrent(sealed) ? null : this.encrypt(this.decrypt(sealed));
  }

  /** The version byte of values sealed under the current key with its id (SQL filters on it). */
  get currentVersionByte(): number {
    return this.version;
  }

  encryptJson(value: unknown): Buffer {
    return this.encrypt(Buffer.from(JSON.stringify(value ?? null)));
  }

  decryptJson<T = unknown>(sealed: Buffer): T {
    return JSON.parse(this.decrypt(sealed).toString('utf8')) as T;
  }
}

/**
 * The configured key, or (for the embedded default) one generated once into the data dir,
 * so that `npm start` needs no setup and restarts can read what earlier runs wrote.
 */
export function loadDataKey(configured: string | undefined, dataDir: string): { key: Buffer; generated: boolean } {
  if (configured) return { key: Buffer.from(configured, 'base64'), generated: false };
  const file = path.join(dataDir, 'data-encryption.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return { key: Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'), generated: true };
}

/** DATA_ENCRYPTION_KEY and DATA_ENCRYPTION_PREVIOUS_KEYS as the process's cipher. */
export function createDataCipher(config: { DATA_ENCRYPTION_KEY?: string; DATA_ENCRYPTION_PREVIOUS_KEYS: string[]; dataDir: string }): DataCipher {
  return new DataCipher(
    loadDataKey(config.DATA_ENCRYPTION_KEY, config.dataDir).key,
    config.DATA_ENCRYPTION_PREVIOUS_KEYS.map((k) => Buffer.from(k, 'base64')),
  );
}
