import { Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import type { CreatedApiKey } from '@visapi/contracts';
import { formatDateTime } from '../../lib/format';

/**
 * A key's secret, the one time the API sends it (create or rotate). Closing the dialog resets
 * the mutation that holds it, which drops it from every cache; a stray click outside does not
 * close it.
 */
export function SecretView({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <Stack>
      <Text fw={600}>Copy this key now: you will not see it again.</Text>
      <Text size="sm">
        Only a hash of it is stored, so nobody can show it to you later; if it is lost, rotate the key. Send it as{' '}
        <Code>X-API-Key</Code> or <Code>Authorization: Bearer</Code>.
      </Text>
      <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
        {created.key}
      </Code>
      <Text size="sm" c="dimmed">
        {created.label}: {created.scopes.join(', ')}; expires {formatDateTime(created.expiresAt)}.
      </Text>
      <Group justify="flex-end">
        <CopyButton value={created.key} timeout={3_000}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy key'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}
