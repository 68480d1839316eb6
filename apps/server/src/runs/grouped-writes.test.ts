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

  it('each caller gets its own row’s result', async () => {
    const writing = new GroupedWrites<number, string>(async (rows) => rows.map((n) => `row ${n}`));
    expect(await Promise.all([writing.add(1), writing.add(2), writing.add(3)])).toEqual(['row 1', 'row 2', 'row 3']);
  });

  it('a refused row fails alone: a failed grouped write is retried row by row', async () => {
    const writes: string[][] = [];
    let release!: () => void;
    const writing = new GroupedWrites<string, string>(async (rows) => {
      writes.push(rows);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      if (rows.includes('bad')) throw new Error('violates a constraint');
      return rows.map((r) => r.toUpperCase());
    }, 2);
    const first = writing.add('first');
    const results = Promise.allSettled([writing.add('a'), writing.add('bad'), writing.add('c')]);
    release();
    await first;
    const settled = await results;
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['A', 'violates a constraint', 'C']);
    // ['a', 'bad'] (maxRows 2) failed and went again one by one; then ['c'].
    expect(writes).toEqual([['first'], ['a', 'bad'], ['a'], ['bad'], ['c']]);
  });

  it('an outage fails the whole group at once: its rows are not written again one by one', async () => {
    const writes: string[][] = [];
    let release!: () => void;
    const writing = new GroupedWrites<string>(
      async (rows) => {
        writes.push(rows);
        if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
        else throw new Error('Connection terminated unexpectedly');
      },
      500,
      (error) => !/Connection terminated/.test((error as Error).message),
    );
    const first = writing.add('first');
    const rest = Promise.allSettled([writing.add('a'), writing.add('b')]);
    release();
    await first;
    expect((await rest).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(writes).toEqual([['first'], ['a', 'b']]);
  });
});
