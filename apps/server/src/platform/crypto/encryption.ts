import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 1;
const IV_BYTES = 12;
const IV_POOL = 1024;

/**
 * AES-256-GCM for data at rest (run inputs). Layout: version byte, 12-byte IV, 16-byte tag,
 * ciphertext. The key is DATA_ENCRYPTION_KEY (32 bytes, base64).
 */
export class DataCipher {
  /** Random IVs drawn in bulk: one randomFill per 1,024 encryptions instead of one call each. */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('DATA_ENCRYPTION_KEY must be 32 bytes (base64)');
  }

  encrypt(plaintext: Buffer): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
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
    if (sealed[0] !== VERSION || sealed.length < 29) throw new Error('not a VisAPI-encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
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
