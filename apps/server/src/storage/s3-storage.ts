import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { attachmentDisposition } from './content-disposition';
import type { StoredFile, StoredObject } from '../connectors/ports';
import { isStorageKey, newStorageKey } from './storage-keys';
import type { FileFacts, FileStore, StoredStream } from './file-store';

export interface S3Settings {
  bucket: string;
  region: string;
  /** An S3-compatible service (MinIO, R2, s3rver…): addressed path-style. Unset: AWS itself. */
  endpoint?: string;
  /** Both or neither: without them the SDK's default chain (env, profile, instance role) applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

const MAX_PRESIGN_SECONDS = 604_800; // S3 refuses presigned URLs valid longer than a week
const DELETE_BATCH = 1000; // DeleteObjects takes at most 1,000 keys

/**
 * STORAGE_DRIVER=s3: objects in S3_BUCKET under the same `<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`
 * keys as the local driver, with the download name and the time stored as object metadata.
 * Links are presigned GETs that make S3 answer with our Content-Type and an attachment
 * Content-Disposition, so the gateway is never on the download path.
 */
export class S3Storage implements FileStore {
  /**
   * The SDK and its client, loaded at the first call: the AWS SDK is ≈ 20 MB of RSS that a
   * process which never touches a file (a gateway under webhook load) should not carry.
   */
  private sdk?: Promise<Sdk>;

  constructor(
    private readonly settings: S3Settings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private connect(): Promise<Sdk> {
    return (this.sdk ??= loadSdk(this.settings));
  }

  async put(input: { prefix: string; body: Buffer; contentType: string; filename: string }): Promise<StoredObject> {
    const now = this.now();
    const key = newStorageKey(input.prefix, input.contentType, now);
    const { s3, client } = await this.connect();
    await client.send(
      new s3.PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: key,
        Body: input.body,
        ContentType: input.contentType,
        ContentLength: input.body.length,
        // Metadata travels as headers, ASCII only: the name is percent-encoded.
        Metadata: { filename: encodeURIComponent(input.filename), storedat: now.toISOString() },
      }),
    );
    return { key, bytes: input.body.length };
  }

  async get(key: string): Promise<StoredFile | undefined> {
    if (!isStorageKey(key)) return undefined;
    const { s3, client } = await this.connect();
    try {
      const object = await client.send(new s3.GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      return { body, contentType: object.ContentType ?? 'application/octet-stream', filename: filenameOf(object.Metadata, key) };
    } catch (error) {
      if (isNotFound(s3, error)) return undefined;
      throw error;
    }
  }

  /** S3's own links serve downloads; this is for completeness (the body streams from S3). */
  async openStream(key: string): Promise<StoredStream | undefined> {
    if (!isStorageKey(key)) return undefined;
    const { s3, client } = await this.connect();
    try {
      const object = await client.send(new s3.GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return { body: object.Body as Readable, bytes: object.ContentLength ?? 0, contentType: object.ContentType ?? 'application/octet-stream', filename: filenameOf(object.Metadata, key) };
    } catch (error) {
      if (isNotFound(s3, error)) return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<FileFacts | undefined> {
    if (!isStorageKey(key)) return undefined;
    const { s3, client } = await this.connect();
    try {
      const head = await client.send(new s3.HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return {
        contentType: head.ContentType ?? 'application/octet-stream',
        filename: filenameOf(head.Metadata, key),
        bytes: head.ContentLength ?? 0,
        storedAt: storedAtOf(head.Metadata, head.LastModified),
      };
    } catch (error) {
      if (isNotFound(s3, error)) return undefined;
      throw error;
    }
  }

  async signedUrl(key: string, ttlMs: number): Promise<{ url: string; expiresAt: Date }> {
    if (!isStorageKey(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    const facts = await this.stat(key);
    if (!facts) throw new Error(`not stored: ${key}`);
    const signingDate = this.now();
    const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(ttlMs / 1000)));
    const { s3, client, getSignedUrl } = await this.connect();
    const command = new s3.GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: key,
      ResponseContentType: facts.contentType,
      ResponseContentDisposition: attachmentDisposition(facts.filename),
    });
    const url = await getSignedUrl(client, command, { expiresIn, signingDate });
    return { url, expiresAt: new Date(Math.floor(signingDate.getTime() / 1000) * 1000 + expiresIn * 1000) };
  }

  async delete(key: string): Promise<void> {
    if (!isStorageKey(key)) return;
    const { s3, client } = await this.connect();
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
  }

  /**
   * Walks the bucket in key order, where each prefix's keys sort by day: deletes those of days
   * before `before`'s day (on that day, those last modified before it), and at the first newer
   * day jumps past the rest of that prefix (StartAfter `<prefix>/~`). Only keys the storage
   * makes are deleted, so a bucket shared with other data keeps that data. (Listing by
   * Delimiter would read less, but s3rver lists nothing below a common prefix.)
   */
  async deleteStoredBefore(before: Date): Promise<number> {
    const beforeDay = before.toISOString().slice(0, 10);
    let deleted = 0;
    let batch: string[] = [];
    let startAfter: string | undefined;
    let token: string | undefined;
    const { s3, client } = await this.connect();
    for (;;) {
      const page = await client.send(new s3.ListObjectsV2Command({ Bucket: this.settings.bucket, StartAfter: token ? undefined : startAfter, ContinuationToken: token }));
      let jumpedTo: string | undefined;
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        const [prefix, day] = key.split('/');
        if (day === undefined) continue;
        if (day > beforeDay) {
          jumpedTo = `${prefix}/~`; // '~' sorts after every day
          break;
        }
        if (!isStorageKey(key) || (day === beforeDay && !(object.LastModified && object.LastModified < before))) continue;
        batch.push(key);
        if (batch.length === DELETE_BATCH) {
          deleted += await this.deleteBatch(batch);
          batch = [];
        }
      }
      if (jumpedTo) {
        startAfter = jumpedTo;
        token = undefined;
      } else if (page.IsTruncated && page.NextContinuationToken) {
        token = page.NextContinuationToken;
      } else {
        break;
      }
    }
    if (batch.length > 0) deleted += await this.deleteBatch(batch);
    return deleted;
  }

  private async deleteBatch(keys: string[]): Promise<number> {
    const { s3, client } = await this.connect();
    const result = await client.send(
      new s3.DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) throw new Error(`S3 kept ${failed.length} of ${keys.length} objects: ${failed[0]!.Code ?? ''} ${failed[0]!.Message ?? ''}`.trim());
    return keys.length;
  }

  close() {
    void this.sdk?.then(({ client }) => client.destroy(), () => undefined);
  }
}

function filenameOf(metadata: Record<string, string> | undefined, key: string): string {
  const stored = metadata?.filename;
  if (stored) {
    try {
      return decodeURIComponent(stored);
    } catch {
      // a name someone else wrote, not percent-encoded: fall through
    }
  }
  return key.slice(key.lastIndexOf('/') + 1);
}

function storedAtOf(metadata: Record<string, string> | undefined, lastModified: Date | undefined): Date {
  const stored = metadata?.storedat ? new Date(metadata.storedat) : undefined;
  return stored && !Number.isNaN(stored.getTime()) ? stored : (lastModified ?? new Date(0));
}

interface Sdk {
  s3: typeof import('@aws-sdk/client-s3');
  client: S3Client;
  getSignedUrl: (typeof import('@aws-sdk/s3-request-presigner'))['getSignedUrl'];
}

async function loadSdk(settings: S3Settings): Promise<Sdk> {
  const [s3, { getSignedUrl }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
  const client = new s3.S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
    // Checksums only where the API demands them: S3-compatible servers often reject the new defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { s3, client, getSignedUrl };
}

function isNotFound(s3: Sdk['s3'], error: unknown): boolean {
  return error instanceof s3.S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}
