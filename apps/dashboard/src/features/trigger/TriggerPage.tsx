import { Alert, NativeSelect, Skeleton, Stack, Tabs, Text } from '@mantine/core';
import type { RJSFSchema } from '@rjsf/utils';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { lazy, Suspense, useState } from 'react';
import { ApiError } from '../../api/client';
import { useTriggerWorkflow } from '../../api/runs';
import { useWorkflow, useWorkflows } from '../../api/workflows';
import { ErrorAlert, QueryState } from '../../components/QueryState';
import { JsonInputForm } from './JsonInputForm';
import { compileJsonSchema } from './json-schema-check';
import { PageTitle } from '../../frames/PageFrame';

// rjsf and its Mantine theme are most of this page's weight: loaded once a form is needed.
const InputForm = lazy(() => import('./InputForm'));

/** Run a workflow now: pick it, give its input (a generated form or JSON), then follow the run. */
export function TriggerPage() {
  const { workflowId } = useSearch({ from: '/app/trigger' });
  const navigate = useNavigate({ from: '/trigger' });
  const workflows = useWorkflows();
  const enabled = (workflows.data?.items ?? []).filter((w) => w.enabled && w.archivedAt === null);
  return (
    <Stack>
      <PageTitle path="/trigger" />
      <NativeSelect
        label="Workflow"
        description="Enabled workflows only"
        data={[{ value: '', label: workflows.isPending ? 'Loading workflows…' : 'Pick a workflow' }, ...enabled.map((w) => ({ value: w.id, label: `${w.name} (${w.version})` }))]}
        value={workflowId ?? ''}
        onChange={(e) => void navigate({ search: e.currentTarget.value ? { workflowId: e.currentTarget.value } : {} })}
        maw={420}
      />
      {workflows.error && <ErrorAlert title="Cannot load the workflows" error={workflows.error} />}
      {workflowId && <TriggerForm key={workflowId} workflowId={workflowId} />}
    </Stack>
  );
}

function TriggerForm({ workflowId }: { workflowId: string }) {
  const workflow = useWorkflow(workflowId);
  const trigger = useTriggerWorkflow();
  const navigate = useNavigate();
  const [tab, setTab] = useState<string | null>('form');
  const [value, setValue] = useState<unknown>(undefined);
  const [text, setText] = useState('');
  const send = (input: unknown) =>
    trigger.mutate({ workflowId, input }, { onSuccess: (accepted) => void navigate({ to: '/runs/$runId', params: { runId: accepted.runId } }) });
  const switchTab = (next: string | null) => {
    // The JSON tab starts from what the form holds.
    if (next === 'json') setText(JSON.stringify(value ?? {}, null, 2));
    setTab(next);
  };
  const onText = (next: string) => {
    setText(next);
    try {
      setValue(JSON.parse(next));
    } catch {
      // Not JSON yet: the form keeps its last value.
    }
  };
  return (
    <QueryState query={workflow} what="the workflow">
      {(w) => {
        const schema = w.definition.inputSchema as RJSFSchema | undefined;
        const json = <JsonInputForm schema={schema} text={text} onTextChange={onText} onSubmit={send} sending={trigger.isPending} />;
        return (
          <Stack>
            {w.description && <Text size="sm">{w.description}</Text>}
            {!w.enabled && (
              <Alert color="orange" title="This workflow is disabled" role="note">
                The server refuses to run it until it is enabled again.
              </Alert>
            )}
            {!schema ? (
              <>
                <Text size="sm" c="dimmed">
                  This workflow declares no inputSchema: any JSON is accepted as its input.
                </Text>
                {json}
              </>
            ) : (
              <>
                {!compileJsonSchema(schema).ok && (
                  <Alert color="blue" title="Checked by the server" role="note">
                    This inputSchema uses features the browser cannot check; the server checks the input when it is sent.
                  </Alert>
                )}
                <Tabs value={tab} onChange={switchTab} keepMounted={false}>
                  <Tabs.List aria-label="How to give the input">
                    <Tabs.Tab value="form">Form</Tabs.Tab>
                    <Tabs.Tab value="json">Paste JSON</Tabs.Tab>
                  </Tabs.List>
                  <Tabs.Panel value="form" pt="md">
                    <Suspense fallback={<Skeleton height={160} role="status" aria-label="Loading the form" />}>
                      <InputForm schema={schema} value={value} onChange={setValue} onSubmit={send} sending={trigger.isPending} />
                    </Suspense>
                  </Tabs.Panel>
                  <Tabs.Panel value="json" pt="md">
                    {json}
                  </Tabs.Panel>
                </Tabs>
              </>
            )}
            {trigger.error && <ErrorAlert title={refusalTitle(trigger.error)} error={trigger.error} />}
          </Stack>
        );
      }}
    </QueryState>
  );
}

function refusalTitle(error: Error): string {
  if (!(error instanceof ApiError)) return 'The run was not started';
  if (error.status === 422) return 'The input does not match the workflow’s inputSchema';
  if (error.status === 409) return 'The workflow cannot run now';
  return 'The run was not started';
}
