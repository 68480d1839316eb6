import { z } from 'zod';

/** A storage key's first segment (`pdf`, `image`): a lowercase name. */
export const STORAGE_PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A stored file's key as pdf.generate and image.process return it: `<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`. */
export const STORAGE_KEY_PATTERN = new RegExp(
  `^${STORAGE_PREFIX_PATTERN.source.slice(1, -1)}\\/\\d{4}-\\d{2}-\\d{2}\\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.[a-z0-9]{1,5}$`,
);

/** The extension a stored file's key gets for its content type (`bin` for any other). */
export const FILE_EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** Whether a text is a key storage could have made (nothing else is ever read or linked). */
export const isStorageKey = (text: string): boolean => STORAGE_KEY_PATTERN.test(text);

export const storageKeySchema = z.string().min(1).max(200);

/** `POST /api/v1/files/links`: a fresh short-lived download link for a stored file. */
export const createFileLinkSchema = z.strictObject({ key: storageKeySchema });
export type CreateFileLink = z.infer<typeof createFileLinkSchema>;

export const fileLinkSchema = z.object({
  /** Download URL: the gateway's signed `/files/{key}` (local driver) or a presigned S3 URL. */
  url: z.string(),
  /** ISO 8601: when the link stops working (5 minutes after it was made). */
  expiresAt: z.string(),
});
export type FileLink = z.infer<typeof fileLinkSchema>;

/** How long a link made for the dashboard is valid. */
export const FILE_LINK_TTL_SECONDS = 300;
