import { randomUUID } from 'node:crypto';

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** `<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`: the day first, so the lifecycle job deletes whole days. */
export function newStorageKey(prefix: string, contentType: string, now = new Date()): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(prefix)) throw new Error(`storage prefix ${JSON.stringify(prefix)} is not a lowercase name`);
  const ext = EXTENSIONS[contentType] ?? 'bin';
  return `${prefix}/${now.toISOString().slice(0, 10)}/${randomUUID()}.${ext}`;
}

const KEY = /^[a-z][a-z0-9-]{0,31}\/\d{4}-\d{2}-\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{1,5}$/;

/** Whether a key is one newStorageKey could have made (nothing else is ever read or linked). */
export function isStorageKey(key: string): boolean {
  return KEY.test(key);
}
