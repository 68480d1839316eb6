import { Button, NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { LOG_LEVELS, logsQuerySchema } from '@visapi/contracts/logs';
import { type WorkflowSummary } from '@visapi/contracts/workflows';
import { useEffect, useRef, useState } from 'react';
import { fromDateTimeLocal, toDateTimeLocal } from '../../lib/format';
import type { LogFilters } from './log-rows';

type Key = keyof LogFilters;
type Parsed = { value?: string; error?: string };

interface Props {
  filters: LogFilters;
  workflows: WorkflowSummary[];
  /** Puts one filter in the URL (undefined removes it); typed fields replace the history entry. */
  onChange: (key: Key, value: string | undefined, replace: boolean) => void;
  onClear: () => void;
}

const DEBOUNCE_MS = 300;

const uuid = (label: string) => (raw: string): Parsed => {
  const text = raw.trim();
  if (!text) return {};
  return logsQuerySchema.shape.runId.safeParse(text).success ? { value: text } : { error: `${label} must be a UUID, such as 5b0f2d4e-8a4c-4f5e-9d3b-0c1a2b3c4d5e` };
};

function parseText(raw: string): Parsed {
  const text = raw.trim();
  if (!text) return {};
  return logsQuerySchema.shape.q.safeParse(text).success ? { value: text } : { error: 'At most 200 characters' };
}

function parseDateTime(raw: string): Parsed {
  if (!raw) return {};
  const value = fromDateTimeLocal(raw);
  return value ? { value } : { error: 'Enter a date and time' };
}

/**
 * A typed filter: what the user types is kept here and put in the URL once they pause, if it is
 * valid; an invalid value shows its error and is not sent. A URL changed from outside (back,
 * "Clear filters") refills the input.
 */
function useUrlField(urlValue: string | undefined, parse: (raw: string) => Parsed, commit: (value: string | undefined) => void, show: (url: string | undefined) => string = (v) => v ?? '') {
  const [draft, setDraft] = useState(() => show(urlValue));
  const [settled, setSettled] = useState(true);
  const committed = useRef(urlValue);
  const settle = useDebouncedCallback((raw: string) => {
    const parsed = parse(raw);
    setSettled(true);
    if (parsed.error || parsed.value === committed.current) return;
    committed.current = parsed.value;
    commit(parsed.value);
  }, DEBOUNCE_MS);
  useEffect(() => {
    if (urlValue === committed.current) return;
    committed.current = urlValue;
    // The URL wins: what was typed before it changed must not overwrite it after the pause.
    settle.cancel();
    setSettled(true);
    setDraft(show(urlValue));
  }, [urlValue]);
  const error = parse(draft).error;
  return {
    value: draft,
    // An error waits for the user to pause, so a half-typed id is not scolded.
    error: settled ? error : undefined,
    onChange: (raw: string) => {
      setDraft(raw);
      setSettled(false);
      settle(raw);
    },
  };
}

/** Every filter of GET /logs, kept in the URL. */
export function LogFiltersForm({ filters, workflows, onChange, onClear }: Props) {
  const typed = (key: Key) => (value: string | undefined) => onChange(key, value, true);
  const runId = useUrlField(filters.runId, uuid('Run ID'), typed('runId'));
  const actorId = useUrlField(filters.actorId, uuid('Actor ID'), typed('actorId'));
  const q = useUrlField(filters.q, parseText, typed('q'));
  const from = useUrlField(
    filters.from,
    (raw) => {
      const parsed = parseDateTime(raw);
      return parsed.value && filters.to && Date.parse(parsed.value) >= Date.parse(filters.to) ? { error: 'Must be before To' } : parsed;
    },
    typed('from'),
    toDateTimeLocal,
  );
  const to = useUrlField(
    filters.to,
    (raw) => {
      const parsed = parseDateTime(raw);
      return parsed.value && filters.from && Date.parse(parsed.value) <= Date.parse(filters.from) ? { error: 'Must be after From' } : parsed;
    },
    typed('to'),
    toDateTimeLocal,
  );
  const workflowOptions = [{ value: '', label: 'Any workflow' }, ...workflows.map((w) => ({ value: w.id, label: w.name }))];
  if (filters.workflowId && !workflows.some((w) => w.id === filters.workflowId)) workflowOptions.push({ value: filters.workflowId, label: filters.workflowId });
  const field = (f: ReturnType<typeof useUrlField>) => ({ value: f.value, error: f.error, onChange: (e: { currentTarget: { value: string } }) => f.onChange(e.currentTarget.value) });

  return (
    <form role="search" aria-label="Filter the logs" onSubmit={(e) => e.preventDefault()}>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm" verticalSpacing="xs">
        <NativeSelect
          label="Level"
          value={filters.level ?? ''}
          onChange={(e) => onChange('level', e.currentTarget.value || undefined, false)}
          data={[{ value: '', label: 'Any level' }, ...LOG_LEVELS.map((l) => ({ value: l, label: l }))]}
        />
        <NativeSelect label="Workflow" value={filters.workflowId ?? ''} onChange={(e) => onChange('workflowId', e.currentTarget.value || undefined, false)} data={workflowOptions} />
        <TextInput label="Message contains" {...field(q)} />
        <TextInput label="Run ID" spellCheck={false} autoComplete="off" {...field(runId)} />
        <TextInput label="Actor ID" description="A user or API key" spellCheck={false} autoComplete="off" {...field(actorId)} />
        <TextInput label="From" type="datetime-local" {...field(from)} />
        <TextInput label="To" type="datetime-local" {...field(to)} />
        <Button variant="default" onClick={onClear} style={{ alignSelf: 'end' }}>
          Clear filters
        </Button>
      </SimpleGrid>
    </form>
  );
}
