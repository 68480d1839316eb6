import { randomUUID } from 'node:crypto';
import { FILE_EXTENSIONS, STORAGE_PREFIX_PATTERN } from '@visapi/contracts';

/** `<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`: the day first, so the lifecycle job deletes whole days. */
export function newStorageKey(prefix: string, contentType: string, now = new Date()): string {
  if (!STORAGE_PREFIX_PATTERN.test(prefix)) throw new Error(`storage prefix ${JSON.stringify(prefix)} is not a lowercase name`);
  const ext = FILE_EXTENSIONS[contentType] ?? 'bin';
  return `${prefix}/${now.toISOString().slice(0, 10)}/${randomUUID()}.${ext}`;
}

export { isStorageKey } from '@visapi/contracts';
