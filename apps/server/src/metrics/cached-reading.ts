/**
 * A reading (e.g. BullMQ's job counts) taken at most once per `maxAgeMs`: scrapes within that
 * window share the last reading, and concurrent scrapes share the one in flight — a scrape
 * storm costs Redis one round of commands per window.
 */
export class CachedReading<T> {
  private value?: T;
  private takenAt = -Infinity;
  private inFlight?: Promise<T>;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.takenAt < this.maxAgeMs) return Promise.resolve(this.value);
    this.inFlight ??= this.read().then(
      (value) => {
        this.value = value;
        this.takenAt = this.now();
        this.inFlight = undefined;
        return value;
      },
      (error: unknown) => {
        this.inFlight = undefined;
        throw error;
      },
    );
    return this.inFlight;
  }
}
