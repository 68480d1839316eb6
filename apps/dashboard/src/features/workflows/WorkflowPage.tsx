import { Alert, Badge, Group, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { lazy, Suspense, useState } from 'react';
import { useMe } from '../../api/auth';
import { useSaveWorkflow, useSetWorkflowEnabled, useWorkflow } from '../../api/workflows';
import type { DefinitionFormat } from './definition-validation';
import { Webhooks } from './Webhooks';
import { WorkflowVersions } from './WorkflowVersions';

// CodeMirror and the schema are the editor's own chunk, fetched as soon as this page's code
// runs, alongside the workflow itself rather than after it.
const editorChunk = import('./DefinitionEditor');
const DefinitionEditor = lazy(() => editorChunk.then((m) => ({ default: m.DefinitionEditor })));

export function WorkflowPage() {
  const { workflowId } = useParams({ from: '/app/workflows/$workflowId' });
  const { data: workflow, error, isPending } = useWorkflow(workflowId);
  const { data: me } = useMe();
  const save = useSaveWorkflow(workflowId);
  const setEnabled = useSetWorkflowEnabled(workflowId);
  const [format, setFormat] = useState<DefinitionFormat>('json');
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
      <Webhooks workflow={workflow} canRotate={isAdmin} />
      <Suspense fallback={<Skeleton height={240} aria-label="Loading the definition editor" />}>
        <DefinitionEditor
          key={workflow.version}
          initial={workflow.definition}
          canEdit={isAdmin}
          saving={save.isPending}
          saveError={save.error}
          onSave={(definition) => save.mutate(definition)}
          format={format}
          onFormatChange={setFormat}
        />
      </Suspense>
      <WorkflowVersions workflowId={workflowId} />
    </Stack>
  );
}
