import { Badge, Button, Code, Group, Stack, Text } from '@mantine/core';
import type { ApiKey } from '@visapi/contracts';
import { useState } from 'react';
import { useApiKeys } from '../../api/api-keys';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { StatusBadge } from '../../components/StatusBadge';
import { PageDescription, PageTitle } from '../../frames/PageFrame';
import { formatDateTime } from '../../lib/format';
import { CreateKeyDialog } from './CreateKeyDialog';
import { RevokeKeyDialog, RotateKeyDialog } from './KeyActions';

type KeyState = 'active' | 'expired' | 'revoked';
const stateOf = (key: ApiKey, now = Date.now()): KeyState => (key.revokedAt ? 'revoked' : Date.parse(key.expiresAt) <= now ? 'expired' : 'active');

/** API keys for services (admin): create, rotate, revoke; the secret is only ever shown once. */
export function ApiKeysPage() {
  const keys = useApiKeys();
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const columns: Column<ApiKey>[] = [
    { key: 'label', header: 'Label', render: (k) => k.label },
    { key: 'prefix', header: 'Prefix', render: (k) => <Code>vk_{k.prefix}_…</Code> },
    {
      key: 'scopes',
      header: 'Scopes',
      render: (k) => (
        <Group gap={4}>
          {k.scopes.map((scope) => (
            <Badge key={scope} variant="outline" size="sm" tt="none">
              {scope}
            </Badge>
          ))}
        </Group>
      ),
    },
    { key: 'state', header: 'State', render: (k) => <KeyStateCell apiKey={k} /> },
    { key: 'expires', header: 'Expires', render: (k) => formatDateTime(k.expiresAt) },
    { key: 'created', header: 'Created', render: (k) => formatDateTime(k.createdAt) },
    { key: 'lastUsed', header: 'Last used', render: (k) => <RelativeTime iso={k.lastUsedAt} fallback="never" /> },
    {
      key: 'actions',
      header: 'Actions',
      render: (k) => {
        const state = stateOf(k);
        return (
          <Group gap={4} wrap="nowrap">
            {state === 'active' && (
              <Button size="compact-xs" variant="subtle" aria-label={`Rotate ${k.label} (vk_${k.prefix})`} onClick={() => setRotating(k)}>
                Rotate
              </Button>
            )}
            {state !== 'revoked' && (
              <Button size="compact-xs" variant="subtle" color="red" aria-label={`Revoke ${k.label} (vk_${k.prefix})`} onClick={() => setRevoking(k)}>
                Revoke
              </Button>
            )}
          </Group>
        );
      },
    },
  ];

  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle path="/api-keys" />
        <Button onClick={() => setCreating(true)}>Create API key</Button>
      </Group>
      <PageDescription path="/api-keys" />
      <QueryState query={keys.query} what="API keys">
        {() => (
          <DataTable
            caption="API keys, newest first"
            columns={columns}
            rows={keys.items}
            rowKey={(k) => k.id}
            empty="No API keys yet."
            hasMore={keys.hasMore}
            onLoadMore={keys.loadMore}
            isLoadingMore={keys.isLoadingMore}
          />
        )}
      </QueryState>
      <CreateKeyDialog opened={creating} onClose={() => setCreating(false)} />
      <RotateKeyDialog apiKey={rotating} onClose={() => setRotating(null)} />
      <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} />
    </Stack>
  );
}

function KeyStateCell({ apiKey }: { apiKey: ApiKey }) {
  const previous = apiKey.previousSecretExpiresAt;
  const inGrace = previous !== null && Date.parse(previous) > Date.now() && apiKey.revokedAt === null;
  return (
    <Stack gap={2} align="flex-start">
      <StatusBadge status={stateOf(apiKey)} />
      {inGrace && (
        <Text size="xs">
          Previous secret valid until <time dateTime={previous}>{formatDateTime(previous)}</time>
        </Text>
      )}
    </Stack>
  );
}
