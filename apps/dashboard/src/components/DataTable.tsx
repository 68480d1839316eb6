import { Box, Button, Center, Checkbox, Table, Text, VisuallyHidden } from '@mantine/core';
import { memo, type ReactNode, useCallback, useDeferredValue, useRef } from 'react';

/** Rows rendered with the table itself; the rest follow in a background render. */
const FIRST_ROWS = 10;

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

/**
 * The one table of the dashboard: caption, columns, optional row selection and "Load more".
 * The body re-renders when `rows`, `columns` or the selected set change (by identity): a page
 * that keeps its columns (a module constant, or useMemo) re-renders no row when something else
 * on it changes; one that builds them per render re-renders its rows with it. `rowKey` and
 * `selection.label` must depend on their argument only (they are not compared).
 */
export function DataTable<T>({ caption, columns, rows, rowKey, empty, selection, hasMore, onLoadMore, isLoadingMore }: DataTableProps<T>) {
  // A long list's first rows render at once and the others in a background (interruptible)
  // render: one long render would block a phone's main thread for the whole table.
  const shown = useDeferredValue(rows, rows.slice(0, FIRST_ROWS));
  const allSelected = selection !== undefined && rows.length > 0 && rows.every((r) => selection.selected.has(rowKey(r)));
  const toggleAll = () => selection?.onChange(allSelected ? new Set() : new Set(rows.map(rowKey)));
  // The latest selection, read when a box is clicked: the memoised rows keep one toggle.
  const latest = useRef(selection);
  latest.current = selection;
  const toggle = useCallback((id: string) => {
    const current = latest.current;
    if (!current) return;
    const next = new Set(current.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    current.onChange(next);
  }, []);
  if (rows.length === 0 && empty !== undefined) {
    return (
      <Text c="dimmed" py="md">
        {empty}
      </Text>
    );
  }
  return (
    <>
      {/* A native scroll container, not Mantine's ScrollArea: that one measures its content in a
          layout effect and again on a timer, forcing the page's whole style recalculation and
          layout into React's commit (the longest task of a list page's first render on a phone).
          Focusable and named, so a keyboard can scroll a table wider than the screen. */}
      <Box style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label={caption}>
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
          <Rows rows={shown} columns={columns} rowKey={rowKey} selected={selection?.selected} label={selection?.label} toggle={toggle} />
        </Table>
      </Box>
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

interface RowsProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Undefined: no selection column. */
  selected: ReadonlySet<string> | undefined;
  label: ((id: string) => string) | undefined;
  toggle: (id: string) => void;
}

function RowsOf<T>({ rows, columns, rowKey, selected, label, toggle }: RowsProps<T>) {
  return (
    <Table.Tbody>
      {rows.map((row) => {
        const id = rowKey(row);
        return (
          <Table.Tr key={id}>
            {selected && label && (
              <Table.Td>
                <Checkbox aria-label={label(id)} checked={selected.has(id)} onChange={() => toggle(id)} />
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
  );
}

// rowKey and label are pure (see DataTable), toggle is stable: only what is drawn is compared.
const Rows = memo(RowsOf, (a, b) => a.rows === b.rows && a.columns === b.columns && a.selected === b.selected && (a.label === undefined) === (b.label === undefined)) as typeof RowsOf;
