import { describe, expect, it } from 'vitest';
import { GroupedWrites } from './grouped-writes';

describe('GroupedWrites (runs/grouped-writes.ts)', () => {
  it('writes the first row at once and groups the rows that arrive meanwhile into the next write', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const writing = new GroupedWrites<number>(async (rows) => {
      writes.push(rows);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = writing.add(1);
    const rest = [writing.add(2), writing.add(3), writing.add(4)];
    expect(writes).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('a failed write rejects the callers of its rows only; the next rows are written', async () => {
    const writing = new GroupedWrites<string>(async (rows) => {
      if (rows.includes('bad')) throw new Error('connection lost');
    }, 2);
    const results = await Promise.allSettled([writing.add('bad'), writing.add('a'), writing.add('b'), writing.add('c')]);
    // 'bad' went alone; then ['a', 'b'] (maxRows 2), then ['c'].
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
