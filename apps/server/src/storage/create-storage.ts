import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, s3ConfigProblem, type Config } from '../platform/config/config';
import type { FileStore } from './file-store';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import { FileLinkSigner } from './signed-url';

export type StorageConfig = Pick<
  Config,
  'STORAGE_DRIVER' | 'STORAGE_DIR' | 'FILE_SIGNING_KEY' | 'PUBLIC_URL' | 'dataDir' | 'S3_ENDPOINT' | 'S3_BUCKET' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'
>;

/** The download-link signer of the local driver (the gateway verifies with the same key). */
export function fileLinkSigner(config: Pick<Config, 'FILE_SIGNING_KEY' | 'dataDir'>): FileLinkSigner {
  return new FileLinkSigner(config.FILE_SIGNING_KEY ?? generatedSigningKey(config.dataDir));
}

/** The server's HMAC secret shared by gateways and workers (also the root of refund confirmation keys). */
export function serverSigningSecret(config: Pick<Config, 'FILE_SIGNING_KEY' | 'dataDir'>): string {
  return config.FILE_SIGNING_KEY ?? generatedSigningKey(config.dataDir);
}

/**
 * FILE_SIGNING_KEY unset: a key generated once under VISAPI_DATA_DIR (mode 600), so every
 * process sharing the data folder (`npm start`, a gateway and a worker on one machine) signs
 * and verifies alike. Processes on several machines must set FILE_SIGNING_KEY.
 */
function generatedSigningKey(dataDir: string): string {
  const file = path.join(dataDir, 'file-signing.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** The STORAGE_DRIVER's store; the one place that reads the storage configuration. */
export function createObjectStorage(config: StorageConfig, options: { signer?: FileLinkSigner; now?: () => Date } = {}): FileStore {
  const { now } = options;
  if (config.STORAGE_DRIVER === 's3') {
    const problem = s3ConfigProblem(config);
    if (problem) throw new ConfigError(`Invalid configuration: ${problem}`);
    return new S3Storage(
      { bucket: config.S3_BUCKET!, region: config.S3_REGION, endpoint: config.S3_ENDPOINT, accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      now,
    );
  }
  const dir = config.STORAGE_DIR ? path.resolve(config.STORAGE_DIR) : path.join(config.dataDir, 'files');
  return new LocalStorage(dir, config.PUBLIC_URL, options.signer ?? fileLinkSigner(config), now);
}
