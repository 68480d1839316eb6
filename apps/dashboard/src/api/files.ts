import { useMutation } from '@tanstack/react-query';
import type { CreateFileLink, FileLink } from '@visapi/contracts';
import { postJson } from './client';

/**
 * Mints a fresh 5-minute download link for a file a run produced (`POST /api/v1/files/links`;
 * the step output's own 24-hour link is redacted): viewer and up, 404 for an unknown key.
 */
export function useFileLink() {
  return useMutation({
    mutationFn: (key: string) => postJson<FileLink>('/api/v1/files/links', { key } satisfies CreateFileLink),
  });
}
