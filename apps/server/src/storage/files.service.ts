import { Inject, Injectable } from '@nestjs/common';
import { FILE_LINK_TTL_SECONDS, type FileLink } from '@visapi/contracts';
import type { Config } from '../platform/config/config';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';
import type { FileStore, StoredStream } from './file-store';
import { FileLinkSigner } from './signed-url';
import { OBJECT_STORAGE } from './storage.module';
import { isStorageKey } from './storage-keys';

/** A download the gateway serves: the file and how many seconds its link has left. */
export interface Download {
  file: StoredStream;
  secondsLeft: number;
}

const notStored = () => new ProblemException('notFound', 'No stored file has this key.');

/** Downloads of the local driver's signed links, and fresh short links for the dashboard. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: FileStore,
    @Inject(CONFIG) private readonly config: Pick<Config, 'STORAGE_DRIVER'>,
    private readonly signer: FileLinkSigner,
  ) {}

  /**
   * The signature is the credential: checked before anything is read, so a tampered or expired
   * link learns nothing about what is stored (403 whether or not the key exists).
   */
  async download(key: string, expires: string | undefined, signature: string | undefined, now = new Date()): Promise<Download> {
    // With s3 the links point at S3: the gateway serves no file.
    if (this.config.STORAGE_DRIVER !== 'local') throw notStored();
    const verdict = this.signer.verify(key, expires, signature, now);
    if (verdict === 'expired') throw new ProblemException('forbidden', 'This download link has expired.');
    if (verdict !== 'valid') throw new ProblemException('forbidden', 'This download link is not valid.');
    const file = await this.storage.openStream(key);
    if (!file) throw notStored();
    return { file, secondsLeft: Math.max(0, Number(expires) - Math.floor(now.getTime() / 1000)) };
  }

  /** A link valid FILE_LINK_TTL_SECONDS for a stored file (a run's PDF or image, opened from the dashboard). */
  async link(key: string): Promise<FileLink> {
    if (!isStorageKey(key) || !(await this.storage.stat(key))) throw notStored();
    const { url, expiresAt } = await this.storage.signedUrl(key, FILE_LINK_TTL_SECONDS * 1000);
    return { url, expiresAt: expiresAt.toISOString() };
  }
}
