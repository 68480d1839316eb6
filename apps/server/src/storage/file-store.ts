import type { ObjectStorage } from '../connectors/ports';

/** What a stored file is, without its bytes. */
export interface FileFacts {
  contentType: string;
  filename: string;
  bytes: number;
  storedAt: Date;
}

/**
 * The storage drivers as the server's own features see them: the connectors' port plus
 * `stat` (whether a key is stored, without reading it), which the links API needs.
 */
export interface FileStore extends ObjectStorage {
  stat(key: string): Promise<FileFacts | undefined>;
  /** Releases connections (the s3 client's sockets); a no-op for the local driver. */
  close?(): void;
}
