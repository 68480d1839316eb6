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

export { isStorageKey } from '@visapi/contracts';
