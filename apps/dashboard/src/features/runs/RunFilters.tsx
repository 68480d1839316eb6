import { Button, Group, NativeSelect, TextInput } from '@mantine/core';
import { RUN_STATUSES, TRIGGER_TYPES } from '@visapi/contracts/runs';
import type { RunFilters as Filters } from '../../api/runs';
import { fromDateTimeLocal, toDateTimeLocal } from '../../lib/format';
import { useWorkflowNames } from '../../api/workflows';

const options = (any: string, values: ReadonlyArray<string | { value: string; label: string }>) => [{ value: '', label: any }, ...values];

/** The runs list's filters; every change goes to the URL, which is the only place they live. */
export function RunFilters({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const { workflows } = useWorkflowNames();
  const set = <K extends keyof Filters>(key: K, value: Filters[K] | undefined) => onChange({ ...filters, [key]: value });
  const any = Object.values(filters).some((v) => v !== undefined);
  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <NativeSelect
        label="Workflow"
        data={options('Any workflow', workflows.map((w) => ({ value: w.id, label: w.name })))}
        value={filters.workflowId ?? ''}
        onChange={(e) => set('workflowId', e.currentTarget.value || undefined)}
        w={220}
      />
      <NativeSelect
        label="Status"
        data={options('Any status', RUN_STATUSES)}
        value={filters.status ?? ''}
        onChange={(e) => set('status', (e.currentTarget.value || undefined) as Filters['status'])}
        w={150}
      />
      <NativeSelect
        label="Trigger"
        data={options('Any trigger', TRIGGER_TYPES)}
        value={filters.triggerType ?? ''}
        onChange={(e) => set('triggerType', (e.currentTarget.value || undefined) as Filters['triggerType'])}
        w={150}
      />
      <TextInput type="datetime-local" label="Created from" value={toDateTimeLocal(filters.from)} onChange={(e) => set('from', fromDateTimeLocal(e.currentTarget.value))} w={210} />
      <TextInput type="datetime-local" label="Created to" value={toDateTimeLocal(filters.to)} onChange={(e) => set('to', fromDateTimeLocal(e.currentTarget.value))} w={210} />
      {any && (
        <Button variant="default" onClick={() => onChange({})}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}
