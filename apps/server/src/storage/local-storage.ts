import fs from 'node:fs/promises';
import path from 'node:path';
import type { StoredFile, StoredObject } from '../connectors/ports';
import type { FileFacts, FileStore, StoredStream } from './file-store';
import type { FileLinkSigner } from './signed-url';
import { isStorageKey, newStorageKey } from './storage-keys';

interface Meta {
  contentType: string;
  filename: string;
  storedAt: string;
}

/**
 * STORAGE_DRIVER=local: files in a folder (STORAGE_DIR, default `VISAPI_DATA_DIR/files`), each
 * with a `.meta.json` beside it (type, download name, when stored). Links point at the
 * gateway's `GET /files/{key}`, signed with FILE_SIGNING_KEY, which gateways and workers share.
 */
export class LocalStorage implements FileStore {
  constructor(
    private readonly dir: string,
    private readonly publicUrl: string,
    private readonly signer: FileLinkSigner,
    /** The clock keys, storedAt and link expiries are read from (tests store files "in the past"). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(input: { prefix: string; body: Buffer; contentType: string; filename: string }): Promise<StoredObject> {
    const now = this.now();
    const key = newStorageKey(input.prefix, input.contentType, now);
    const file = this.pathOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const meta: Meta = { contentType: input.contentType, filename: input.filename, storedAt: now.toISOString() };
    // The body first, then its meta: a reader finds a file only once both are whole.
    await writeAtomically(file, input.body);
    await writeAtomically(`${file}.meta.json`, Buffer.from(JSON.stringify(meta)));
    return { key, bytes: input.body.length };
  }

  async get(key: string): Promise<StoredFile | undefined> {
    if (!isStorageKey(key)) return undefined;
    const file = this.pathOf(key);
    try {
      const meta = JSON.parse(await fs.readFile(`${file}.meta.json`, 'utf8')) as Meta;
      return { body: await fs.readFile(file), contentType: meta.contentType, filename: meta.filename };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async openStream(key: string): Promise<StoredStream | undefined> {
    if (!isStorageKey(key)) return undefined;
    const file = this.pathOf(key);
    let handle: fs.FileHandle | undefined;
    try {
      const meta = JSON.parse(await fs.readFile(`${file}.meta.json`, 'utf8')) as Meta;
      handle = await fs.open(file, 'r');
      // The size of the file opened, not of a path the lifecycle may delete meanwhile.
      const { size } = await handle.stat();
      return { body: handle.createReadStream(), bytes: size, contentType: meta.contentType, filename: meta.filename };
    } catch (error) {
      await handle?.close();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<FileFacts | undefined> {
    if (!isStorageKey(key)) return undefined;
    const file = this.pathOf(key);
    try {
      const meta = JSON.parse(await fs.readFile(`${file}.meta.json`, 'utf8')) as Meta;
      const { size } = await fs.stat(file);
      return { contentType: meta.contentType, filename: meta.filename, bytes: size, storedAt: new Date(meta.storedAt) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async signedUrl(key: string, ttlMs: number): Promise<{ url: string; expiresAt: Date }> {
    if (!isStorageKey(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    const expiresAt = new Date(this.now().getTime() + ttlMs);
    const { expires, signature } = this.signer.sign(key, expiresAt);
    const url = new URL(`/files/${key}`, this.publicUrl);
    url.search = new URLSearchParams({ expires: String(expires), signature }).toString();
    return { url: url.toString(), expiresAt: new Date(expires * 1000) };
  }

  async delete(key: string): Promise<void> {
    if (!isStorageKey(key)) return;
    const file = this.pathOf(key);
    await fs.rm(`${file}.meta.json`, { force: true });
    await fs.rm(file, { force: true });
  }

  async deleteStoredBefore(before: Date): Promise<number> {
    let deleted = 0;
    const beforeDay = before.toISOString().slice(0, 10);
    for (const prefix of await listDir(this.dir)) {
      for (const day of await listDir(path.join(this.dir, prefix))) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || day > beforeDay) continue;
        const dayDir = path.join(this.dir, prefix, day);
        for (const name of await listDir(dayDir)) {
          if (name.endsWith('.tmp')) {
            // Left by a crash mid-write; on the boundary day a write may still be under way.
            if (day < beforeDay) await fs.rm(path.join(dayDir, name), { force: true });
            continue;
          }
          const key = `${prefix}/${day}/${name}`;
          if (name.endsWith('.meta.json') || !isStorageKey(key)) continue;
          if (day === beforeDay && !(await this.storedBefore(key, before))) continue;
          await this.delete(key);
          deleted++;
        }
        if ((await listDir(dayDir)).length === 0) await fs.rm(dayDir, { recursive: true, force: true });
      }
    }
    return deleted;
  }

  private async storedBefore(key: string, before: Date): Promise<boolean> {
    try {
      const meta = JSON.parse(await fs.readFile(`${this.pathOf(key)}.meta.json`, 'utf8')) as Meta;
      return new Date(meta.storedAt) < before;
    } catch {
      return true; // a body without its meta was never whole: it goes.
    }
  }

  private pathOf(key: string): string {
    return path.join(this.dir, ...key.split('/'));
  }
}

async function writeAtomically(file: string, body: Buffer) {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, body);
  await fs.rename(tmp, file);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
