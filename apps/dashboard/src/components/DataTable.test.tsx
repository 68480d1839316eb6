import { MantineProvider } from '@mantine/core';
import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { type Column, DataTable } from './DataTable';

interface Row {
  id: string;
  name: string;
}
const ROWS: Row[] = [
  { id: 'a', name: 'Alpha' },
  { id: 'b', name: 'Beta' },
];

describe('DataTable', () => {
  it('re-renders no row when its parent re-renders with the same rows and columns; new rows or columns re-render them', () => {
    let renders = 0;
    const columns: Column<Row>[] = [{ key: 'name', header: 'Name', render: (r) => (renders++, r.name) }];
    const table = (tick: number, rows = ROWS, cols = columns) => (
      <MantineProvider>
        <p>tick {tick}</p>
        <DataTable caption="Things" columns={cols} rows={rows} rowKey={(r) => r.id} />
      </MantineProvider>
    );
    const { rerender } = render(table(0));
    expect(screen.getByText('Beta')).toBeTruthy();
    const mounted = renders; // the first rows at once, then all of them (useDeferredValue)
    rerender(table(1));
    rerender(table(2));
    expect(renders).toBe(mounted);
    const copy = [...ROWS];
    rerender(table(3, copy));
    expect(renders).toBe(mounted + 2);
    rerender(table(4, copy, [...columns]));
    expect(renders).toBe(mounted + 4);
  });

  it('a row’s checkbox reaches the latest selection handler, and the rows show the selection', () => {
    function Page() {
      const [selected, setSelected] = useState<Set<string>>(new Set());
      return (
        <MantineProvider>
          <p>{selected.size} selected</p>
          <DataTable caption="Things" columns={[{ key: 'name', header: 'Name', render: (r: Row) => r.name }]} rows={ROWS} rowKey={(r) => r.id} selection={{ selected, onChange: setSelected, label: (id) => `Select ${id}` }} />
        </MantineProvider>
      );
    }
    render(<Page />);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select a' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select b' }));
    expect(screen.getByText('2 selected')).toBeTruthy();
    expect((screen.getByRole('checkbox', { name: 'Select b' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select a' }));
    expect(screen.getByText('1 selected')).toBeTruthy();
    expect((screen.getByRole('checkbox', { name: 'Select a' }) as HTMLInputElement).checked).toBe(false);
  });
});
