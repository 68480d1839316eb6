import { Button, Center, Checkbox, ScrollArea, Table, Text, VisuallyHidden } from '@mantine/core';
import { type ReactNode, useDeferredValue } from 'react';

/** Rows rendered with the table itself; the rest follow in a background render. */
const FIRST_ROWS = 20;

export interface Column<T> {
  /** Unique within the table. */
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  /** Right-align numbers and durations. */
  numeric?: boolean;
}

interface Selection {
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  /** The accessible name of a row's checkbox: "Select run 1a2b…". */
  label: (id: string) => string;
}

interface DataTableProps<T> {
  /** What the table lists, read out by screen readers. */
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: ReactNode;
  selection?: Selection;
  /** Keyset paging: a "Load more" button while the server has more. */
  hasMore?: boolean;
  onLoadMore?: () => void;
  isLoadingMore?: boolean;
}

/** The one table of the dashboard: caption, columns, optional row selection and "Load more". */
export function DataTable<T>({ caption, columns, rows, rowKey, empty, selection, hasMore, onLoadMore, isLoadingMore }: DataTableProps<T>) {
  // A long list's first rows render at once and the others in a background (interruptible)
  // render: one long render would block a phone's main thread for the whole table.
  const shown = useDeferredValue(rows, rows.slice(0, FIRST_ROWS));
  const allSelected = selection !== undefined && rows.length > 0 && rows.every((r) => selection.selected.has(rowKey(r)));
  const toggleAll = () => selection?.onChange(allSelected ? new Set() : new Set(rows.map(rowKey)));
  const toggle = (id: string) => {
    if (!selection) return;
    const next = new Set(selection.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    selection.onChange(next);
  };
  if (rows.length === 0 && empty !== undefined) {
    return (
      <Text c="dimmed" py="md">
        {empty}
      </Text>
    );
  }
  return (
    <>
      <ScrollArea type="auto">
        <Table striped highlightOnHover verticalSpacing="xs">
          <VisuallyHidden component="caption">{caption}</VisuallyHidden>
          <Table.Thead>
            <Table.Tr>
              {selection && (
                <Table.Th w={40}>
                  <Checkbox aria-label="Select all shown" checked={allSelected} indeterminate={!allSelected && selection.selected.size > 0} onChange={toggleAll} />
                </Table.Th>
              )}
              {columns.map((c) => (
                <Table.Th key={c.key} style={c.numeric ? { textAlign: 'right' } : undefined}>
                  {c.header}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((row) => {
              const id = rowKey(row);
              return (
                <Table.Tr key={id}>
                  {selection && (
                    <Table.Td>
                      <Checkbox aria-label={selection.label(id)} checked={selection.selected.has(id)} onChange={() => toggle(id)} />
                    </Table.Td>
                  )}
                  {columns.map((c) => (
                    <Table.Td key={c.key} style={c.numeric ? { textAlign: 'right', fontVariantNumeric: 'tabular-nums' } : undefined}>
                      {c.render(row)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {hasMore && onLoadMore && (
        <Center>
          <Button variant="default" onClick={onLoadMore} loading={isLoadingMore}>
            Load more
          </Button>
        </Center>
      )}
    </>
  );
}
