import type { Readable } from 'node:stream';
import type { ObjectStorage } from '../connectors/ports';

/** What a stored file is, without its bytes. */
export interface FileFacts {
  contentType: string;
  filename: string;
  bytes: number;
  storedAt: Date;
}

/** A stored file to send: its bytes as a stream (never all in memory), their count, type and download name. */
export interface StoredStream {
  body: Readable;
  bytes: number;
  contentType: string;
  filename: string;
}

/**
 * The storage drivers as the server's own features see them: the connectors' port plus
 * `stat` (whether a key is stored, without reading it), which the links API needs.
 */
export interface FileStore extends ObjectStorage {
  stat(key: string): Promise<FileFacts | undefined>;
  /** The file as a stream (the download route); undefined when nothing is stored under the key. */
  openStream(key: string): Promise<StoredStream | undefined>;
  /** Releases connections (the s3 client's sockets); a no-op for the local driver. */
  close?(): void;
}
