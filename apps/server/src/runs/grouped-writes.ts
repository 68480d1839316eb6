/**
 * Groups writes that arrive while one is in flight into the next statement: the first write
 * goes at once (no added wait), and under load — many runs finishing together — one statement
 * carries them all instead of one round trip (and one commit) each. `write` answers one result
 * per row, in order; each caller's promise settles with its row's. When a grouped statement
 * is refused (`refusedRow`: a row's data, not an outage), its rows are written again one by one,
 * so a row the database refuses fails alone and the others' callers never see its error; any
 * other failure (the database out of reach) fails the group's callers at once.
 */
export class GroupedWrites<T, R = void> {
  private pending: Array<{ row: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly write: (rows: T[]) => Promise<R[] | void>,
    private readonly maxRows = 500,
    private readonly refusedRow: (error: unknown) => boolean = () => true,
  ) {}

  add(row: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxRows);
      try {
        const results = await this.write(batch.map((b) => b.row));
        batch.forEach((b, i) => b.resolve(results?.[i] as R));
      } catch (error) {
        if (batch.length === 1 || !this.refusedRow(error)) for (const b of batch) b.reject(error);
        else for (const b of batch) await this.writeAlone(b);
      }
    }
    this.flushing = false;
  }

  private async writeAlone(entry: (typeof this.pending)[number]): Promise<void> {
    try {
      const results = await this.write([entry.row]);
      entry.resolve(results?.[0] as R);
    } catch (error) {
      entry.reject(error);
    }
  }
}
