import { Anchor, Button, Stack, Text } from '@mantine/core';
import { isStorageKey } from '@visapi/contracts/files';
import { useFileLink } from '../../api/files';
import { ErrorAlert } from '../../components/QueryState';
import { formatTime } from '../../lib/format';

/** The storage key of a step output that is a stored file (pdf.generate, image.process), if it is one. */
export function storedFileKey(output: unknown): string | undefined {
  if (!output || typeof output !== 'object' || Array.isArray(output)) return undefined;
  const key = (output as Record<string, unknown>).key;
  return typeof key === 'string' && isStorageKey(key) ? key : undefined;
}

/**
 * "Open file": asks the API for a fresh short-lived link (the output's own 24-hour link is a
 * bearer secret, shown redacted) and opens it in a new tab; the link stays offered below for a
 * browser that blocked the tab.
 */
export function FileLinkButton({ fileKey, label }: { fileKey: string; label: string }) {
  const link = useFileLink();
  const open = () =>
    link.mutate(fileKey, {
      onSuccess: ({ url }) => void window.open(url, '_blank', 'noopener,noreferrer'),
    });
  return (
    <Stack gap={4} align="flex-start">
      <Button size="compact-sm" variant="light" onClick={open} loading={link.isPending} disabled={link.isPending} aria-label={`Open file (${label})`}>
        Open file
      </Button>
      {link.data && (
        <Text size="xs" c="dimmed">
          <Anchor href={link.data.url} target="_blank" rel="noopener noreferrer" size="xs">
            Download the file of {label}
          </Anchor>{' '}
          (link valid until {formatTime(link.data.expiresAt)})
        </Text>
      )}
      {link.error && <ErrorAlert title="Cannot open the file" error={link.error} />}
    </Stack>
  );
}
