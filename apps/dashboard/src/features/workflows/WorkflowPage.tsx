import { Alert, Badge, Group, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { type ComponentType, type ComponentProps, useState } from 'react';
import { useMe } from '../../api/auth';
import { useSaveWorkflow, useSetWorkflowEnabled, useWorkflow } from '../../api/workflows';
import type { DefinitionFormat } from './definition-validation';
import type { DefinitionEditor as Editor } from './DefinitionEditor';
import { DefinitionView } from './DefinitionView';
import { loadYamlEditing } from './load-yaml';
import { Webhooks } from './Webhooks';
import { WorkflowVersions } from './WorkflowVersions';

type EditorComponent = ComponentType<ComponentProps<typeof Editor>>;

export function WorkflowPage() {
  const { workflowId } = useParams({ from: '/app/workflows/$workflowId' });
  const { data: workflow, error, isPending } = useWorkflow(workflowId);
  const { data: me } = useMe();
  const save = useSaveWorkflow(workflowId);
  const setEnabled = useSetWorkflowEnabled(workflowId);
  const [format, setFormat] = useState<DefinitionFormat>('json');
  const isAdmin = me?.role === 'admin';
  // CodeMirror and the schema (the editor's chunk) load only when an admin asks to edit; until
  // they have, the read-only view stays, with a loader on its button.
  const [DefinitionEditor, setDefinitionEditor] = useState<EditorComponent>();
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<Error>();
  const openEditor = async () => {
    setOpening(true);
    setOpenError(undefined);
    try {
      const [chunk] = await Promise.all([import('./DefinitionEditor'), format === 'yaml' ? loadYamlEditing() : undefined]);
      setDefinitionEditor(() => chunk.DefinitionEditor);
    } catch (thrown) {
      setOpenError(thrown as Error);
    } finally {
      setOpening(false);
    }
  };

  if (isPending) return <Skeleton height={200} role="status" aria-label="Loading workflow" />;
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
      {/* The definition first: the page's main content, and what the shell previews (frames/workflow-preview.ts). */}
      {isAdmin && DefinitionEditor ? (
        <DefinitionEditor
          key={workflow.version}
          initial={workflow.definition}
          saving={save.isPending}
          saveError={save.error}
          onSave={(definition) => save.mutate(definition)}
          format={format}
          onFormatChange={setFormat}
          autoFocus
        />
      ) : (
        <>
          {openError && (
            <Alert color="red" title="Cannot open the editor" role="alert">
              {openError.message}
            </Alert>
          )}
          <DefinitionView definition={workflow.definition} format={format} onFormatChange={setFormat} onEdit={isAdmin ? () => void openEditor() : undefined} opening={opening} />
        </>
      )}
      <Webhooks workflow={workflow} canRotate={isAdmin} />
      <WorkflowVersions workflowId={workflowId} />
    </Stack>
  );
}
