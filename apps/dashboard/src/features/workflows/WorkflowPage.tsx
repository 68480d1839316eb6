import { Alert, Badge, Button, Code, CopyButton, Group, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useMe } from '../../api/auth';
import { useSaveWorkflow, useSetWorkflowEnabled, useWorkflow } from '../../api/workflows';
import { DefinitionEditor } from './DefinitionEditor';

export function WorkflowPage() {
  const { workflowId } = useParams({ from: '/app/workflows/$workflowId' });
  const { data: workflow, error, isPending } = useWorkflow(workflowId);
  const { data: me } = useMe();
  const save = useSaveWorkflow(workflowId);
  const setEnabled = useSetWorkflowEnabled(workflowId);
  const isAdmin = me?.role === 'admin';

  if (isPending) return <Skeleton height={200} aria-label="Loading workflow" />;
  if (error) return <Alert color="red" title="Cannot load the workflow">{error.message}</Alert>;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{workflow.name}</Title>
        <Group gap="xs">
          <Badge variant="light">v{workflow.version}</Badge>
          <Badge variant="light">{workflow.priority}</Badge>
          <Switch
            label="Enabled"
            checked={workflow.enabled}
            disabled={!isAdmin || setEnabled.isPending}
            onChange={(event) => setEnabled.mutate(event.currentTarget.checked)}
          />
        </Group>
      </Group>
      {workflow.description && <Text c="dimmed">{workflow.description}</Text>}
      {workflow.webhooks.length > 0 && (
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
              </Group>
            ))}
          </Stack>
        </section>
      )}
      <DefinitionEditor
        key={workflow.version}
        initial={workflow.definition}
        canEdit={isAdmin}
        saving={save.isPending}
        saveError={save.error}
        onSave={(definition) => save.mutate(definition)}
      />
    </Stack>
  );
}
