import { Badge, Button, Group, NativeSelect, SegmentedControl, Stack, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { TEMPLATE_CHANNELS, type Template, type TemplateChannel } from '@visapi/contracts/templates';
import { useMemo, useState } from 'react';
import { type TemplatesFilter, useTemplates } from '../../api/templates';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { PageDescription, PageTitle } from '../../frames/PageFrame';
import { formatDateTime } from '../../lib/format';
import { CHANNEL_LABELS, TemplateEditor } from './TemplateEditor';

type SortKey = 'name' | 'channel' | 'locale';
const SORT_ORDER: Record<SortKey, SortKey[]> = { name: ['name', 'channel', 'locale'], channel: ['channel', 'name', 'locale'], locale: ['locale', 'name', 'channel'] };

/** Message templates (admin, SPEC §8): filtered in the URL, opened in the editor below the list. */
export function TemplatesPage() {
  const { name, channel, locale } = useSearch({ from: '/app/templates' });
  const search: TemplatesFilter = useMemo(() => ({ name, channel, locale }), [name, channel, locale]);
  const navigate = useNavigate({ from: '/templates' });
  const templates = useTemplates(search);
  const [sortBy, setSortBy] = useState<SortKey>('name');
  // Each opening gets a fresh editor, even of the same template.
  const [editing, setEditing] = useState<{ template?: Template; opened: number } | null>(null);
  const open = (template?: Template) => setEditing({ template, opened: Date.now() });

  const sorted = useMemo(() => {
    const keys = SORT_ORDER[sortBy];
    return [...(templates.data?.items ?? [])].sort((a, b) => keys.reduce((order, key) => order || a[key].localeCompare(b[key]), 0));
  }, [templates.data, sortBy]);

  const columns: Column<Template>[] = [
    { key: 'name', header: 'Name', render: (t) => <code>{t.name}</code> },
    { key: 'channel', header: 'Channel', render: (t) => <Badge variant="light">{CHANNEL_LABELS[t.channel]}</Badge> },
    { key: 'locale', header: 'Locale', render: (t) => t.locale },
    { key: 'version', header: 'Version', numeric: true, render: (t) => t.version },
    { key: 'updated', header: 'Updated', render: (t) => formatDateTime(t.updatedAt) },
    {
      key: 'edit',
      header: <VisuallyHidden>Actions</VisuallyHidden>,
      render: (t) => (
        <Button size="compact-sm" variant="default" onClick={() => open(t)} aria-label={`Edit ${t.name} (${CHANNEL_LABELS[t.channel]}, ${t.locale})`}>
          Edit
        </Button>
      ),
    },
  ];

  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle path="/templates" />
        <Button onClick={() => open()}>New template</Button>
      </Group>
      <PageDescription path="/templates" />
      <Filters key={JSON.stringify(search)} filter={search} onApply={(next) => void navigate({ search: next, replace: true })} />
      <Group gap="xs">
        <Text size="sm" id="templates-sort-label">
          Sort by
        </Text>
        <SegmentedControl
          aria-labelledby="templates-sort-label"
          size="xs"
          value={sortBy}
          onChange={(value) => setSortBy(value as SortKey)}
          data={[
            { value: 'name', label: 'Name' },
            { value: 'channel', label: 'Channel' },
            { value: 'locale', label: 'Locale' },
          ]}
        />
      </Group>
      <QueryState query={templates} what="templates">
        {() => (
          <DataTable
            caption={`Templates, sorted by ${sortBy}`}
            columns={columns}
            rows={sorted}
            rowKey={(t) => t.id}
            empty={name || channel || locale ? 'No template matches these filters.' : 'No templates yet.'}
          />
        )}
      </QueryState>
      {editing && <TemplateEditor key={editing.opened} template={editing.template} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

/** The filters the API takes (exact name, channel, locale), applied to the URL. */
function Filters({ filter, onApply }: { filter: TemplatesFilter; onApply: (next: TemplatesFilter) => void }) {
  const [name, setName] = useState(filter.name ?? '');
  const [locale, setLocale] = useState(filter.locale ?? '');
  const apply = (channel: TemplateChannel | undefined = filter.channel) =>
    onApply({ name: name.trim() || undefined, channel, locale: locale.trim() || undefined });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      <Group align="flex-end" gap="sm">
        <TextInput label="Name" placeholder="visa_approved" value={name} onChange={(e) => setName(e.currentTarget.value)} spellCheck={false} />
        <NativeSelect
          label="Channel"
          value={filter.channel ?? ''}
          onChange={(e) => apply((e.currentTarget.value || undefined) as TemplateChannel | undefined)}
          data={[{ value: '', label: 'Any channel' }, ...TEMPLATE_CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))]}
        />
        <TextInput label="Locale" placeholder="he" value={locale} onChange={(e) => setLocale(e.currentTarget.value)} w={100} spellCheck={false} />
        <Button type="submit" variant="default">
          Filter
        </Button>
        {(filter.name || filter.channel || filter.locale) && (
          <Button variant="subtle" onClick={() => onApply({})}>
            Clear filters
          </Button>
        )}
      </Group>
    </form>
  );
}
