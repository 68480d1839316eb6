import { Button, Code, Group, Modal, NumberInput, Stack, Text } from '@mantine/core';
import { type ApiKey, rotateApiKeySchema } from '@visapi/contracts/auth';
import { useState } from 'react';
import { useRevokeApiKey, useRotateApiKey } from '../../api/api-keys';
import { ErrorAlert } from '../../components/QueryState';
import { SecretView } from './SecretView';

const keyName = (key: ApiKey) => `${key.label} (vk_${key.prefix}_…)`;

/** Asks for the grace period, rotates, then shows the new key once. */
export function RotateKeyDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const rotate = useRotateApiKey();
  const [hours, setHours] = useState<number | string>(24);
  const [error, setError] = useState<string>();
  const close = () => {
    rotate.reset();
    setHours(24);
    setError(undefined);
    onClose();
  };
  const confirm = () => {
    const parsed = rotateApiKeySchema.safeParse({ graceHours: hours });
    if (!parsed.success || parsed.data.graceHours === undefined) return setError('A whole number of hours from 0 to 168.');
    setError(undefined);
    if (apiKey) rotate.mutate({ id: apiKey.id, graceHours: parsed.data.graceHours });
  };
  return (
    <Modal
      opened={apiKey !== null}
      onClose={close}
      title={rotate.data ? 'Your new API key' : 'Rotate API key'}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
      closeOnClickOutside={!rotate.data}
    >
      {rotate.data ? (
        <SecretView created={rotate.data} onDone={close} />
      ) : (
        apiKey && (
          <Stack>
            <Text size="sm">
              Rotating <strong>{keyName(apiKey)}</strong> issues a new secret. The current one keeps working for the grace period, so its users
              can switch over; then it is refused.
            </Text>
            <NumberInput
              label="Grace period (hours)"
              description="From 0 (the current secret stops at once) to 168 (a week)"
              min={0}
              max={168}
              allowDecimal={false}
              clampBehavior="none"
              value={hours}
              onChange={setHours}
              error={error}
            />
            {rotate.error && <ErrorAlert title="Key not rotated" error={rotate.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button loading={rotate.isPending} onClick={confirm}>
                Rotate key
              </Button>
            </Group>
          </Stack>
        )
      )}
    </Modal>
  );
}

/** Names the key and revokes it at once; the list refreshes. */
export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const revoke = useRevokeApiKey();
  const close = () => {
    revoke.reset();
    onClose();
  };
  return (
    <Modal opened={apiKey !== null} onClose={close} title="Revoke API key" closeButtonProps={{ 'aria-label': 'Close' }}>
      {apiKey && (
        <Stack>
          <Text size="sm">
            Revoke <strong>{apiKey.label}</strong> (<Code>vk_{apiKey.prefix}_…</Code>)? Every request made with it is refused from now on, a
            previous secret still in its grace period included. This cannot be undone.
          </Text>
          {revoke.error && <ErrorAlert title="Key not revoked" error={revoke.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red.9" loading={revoke.isPending} onClick={() => revoke.mutate(apiKey.id, { onSuccess: close })}>
              Revoke key
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
