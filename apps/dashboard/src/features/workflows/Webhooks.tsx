import { Alert, Badge, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import type { Workflow } from '@visapi/contracts';
import { useState } from 'react';
import { useRotateWebhookSecret } from '../../api/workflows';

interface Props {
  workflow: Workflow;
  canRotate: boolean;
}

/**
 * The workflow's webhook URLs and which are signed. The API never returns a signing secret;
 * admins get a new one here (rotate-secret), shown once in the dialog and forgotten when it closes.
 */
export function Webhooks({ workflow, canRotate }: Props) {
  const rotate = useRotateWebhookSecret(workflow.id);
  const [key, setKey] = useState<string | null>(null);
  const close = () => {
    setKey(null);
    rotate.reset();
  };
  if (workflow.webhooks.length === 0) return null;

  return (
    <section aria-labelledby="webhooks-title">
      <Text id="webhooks-title" fw={600} mb="xs">
        Webhooks
      </Text>
      <Stack gap={4}>
        {workflow.webhooks.map((hook) => (
          <Group key={hook.key} gap="xs">
            <Code>POST {hook.url}</Code>
            {hook.signed && <Badge size="sm">signed</Badge>}
            <CopyButton value={hook.url}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="subtle" onClick={copy}>
                  {copied ? 'Copied' : 'Copy URL'}
                </Button>
              )}
            </CopyButton>
            {canRotate && (
              <Button size="compact-xs" variant="subtle" aria-label={`${hook.signed ? 'Rotate secret of' : 'Add secret to'} ${hook.key}`} onClick={() => setKey(hook.key)}>
                {hook.signed ? 'Rotate secret' : 'Add secret'}
              </Button>
            )}
          </Group>
        ))}
      </Stack>
      <Modal opened={key !== null} onClose={close} title={`Signing secret of ${key ?? ''}`} closeButtonProps={{ 'aria-label': 'Close' }}>
        {rotate.data ? (
          <Stack>
            <Text size="sm">
              This secret is shown only now: give it to the sender and keep it somewhere safe. Version {rotate.data.version} was published.
            </Text>
            <Code block>{rotate.data.signingSecret}</Code>
            <Group justify="flex-end">
              <CopyButton value={rotate.data.signingSecret}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? 'Copied' : 'Copy secret'}
                  </Button>
                )}
              </CopyButton>
              <Button onClick={close}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <Stack>
            <Text size="sm">
              A new secret replaces the current one at once: signatures made with the old one are refused from then on, so the sender must switch
              right away. Requests with an API key are not affected. This publishes a new patch version.
            </Text>
            {rotate.error && (
              <Alert color="red" title="Not rotated">
                {rotate.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button color="red.9" loading={rotate.isPending} onClick={() => key && rotate.mutate(key)}>
                Rotate now
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </section>
  );
}
