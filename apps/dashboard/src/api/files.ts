import { useMutation } from '@tanstack/react-query';
import { postJson } from './client';

/**
 * `POST /api/v1/files/links {key}` → `201 {url, expiresAt}`: a fresh 5-minute download link for
 * a stored file (read_runs / viewer; 404 for an unknown key). Local types until the contracts'
 * files schemas (packages/contracts/src/files.ts) replace them.
 */
export interface FileLinkRequest {
  key: string;
}
export interface FileLink {
  url: string;
  expiresAt: string;
}

/** Mints a short-lived link for a file a run produced (the step output's own link is redacted). */
export function useFileLink() {
  return useMutation({
    mutationFn: (key: string) => postJson<FileLink>('/api/v1/files/links', { key } satisfies FileLinkRequest),
  });
}
