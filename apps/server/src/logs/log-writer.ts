import type { LogEntry, LogLevel } from '@visapi/contracts';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../platform/db/database';
import { toLogEntry } from './log-entry';
import type { LogRowOut } from './logs.repository';
import { redact, redactText } from './redaction';

export interface LogInput {
  level: LogLevel;
  message: string;
  workflowId?: string | null;
  runId?: string | null;
  jobId?: string | null;
  actorId?: string | null;
  payload?: Record<string, unknown> | null;
}

interface Row {
  level: LogLevel;
  message: string;
  workflow_id: string | null;
  run_id: string | null;
  job_id: string | null;
  actor_id: string | null;
  payload: string | null;
  pii_redacted: boolean;
  created_at: Date;
}

/** Told of the rows written, as the API shows them (the live events), when it wants them. */
export interface LogRowsListener {
  /** Asked before each batch: only then does the insert return its rows. */
  wanted(): boolean;
  written(entries: LogEntry[]): void;
}

export interface LogWriterOptions {
  maxBuffered: number;
  batchSize: number;
  flushIntervalMs: number;
}

/**
 * Writes log rows to PostgreSQL off the request path: `write` redacts and buffers and
 * returns at once; a timer flushes batches. While the database is down rows stay buffered
 * (bounded) and are retried with backoff; rows that do not fit are counted in `dropped`,
 * never lost silently.
 */
export class LogWriter {
  private buffer: Row[] = [];
  private flushing: Promise<void> | undefined;
  private retryAt = 0;
  private backoffMs = 0;
  private lastDropWarning = 0;
  private readonly timer: NodeJS.Timeout;
  readonly stats = { written: 0, dropped: 0, failedFlushes: 0 };
  listener: LogRowsListener | undefined;

  constructor(
    private readonly database: Pick<DatabaseHandle, 'pool'>,
    private readonly logger: Logger,
    private readonly options: LogWriterOptions,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  write(input: LogInput): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.stats.dropped++;
      if (Date.now() - this.lastDropWarning > 10_000) {
        this.lastDropWarning = Date.now();
        this.logger.error({ dropped: this.stats.dropped, buffered: this.buffer.length }, 'log buffer full: dropping log rows');
      }
      return;
    }
    this.buffer.push({
      level: input.level,
      message: redactText(input.message),
      workflow_id: input.workflowId ?? null,
      run_id: input.runId ?? null,
      job_id: input.jobId ?? null,
      actor_id: input.actorId ?? null,
      payload: input.payload ? JSON.stringify(redact(input.payload)) : null,
      pii_redacted: true,
      created_at: new Date(),
    });
    if (this.buffer.length >= this.options.batchSize) void this.flush();
  }

  /** Writes what is buffered now; resolves when done or when the database refused it. */
  flush(): Promise<void> {
    this.flushing ??= this.flushBatches().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushBatches(): Promise<void> {
    while (this.buffer.length > 0 && Date.now() >= this.retryAt) {
      const batch = this.buffer.slice(0, this.options.batchSize);
      try {
        const listener = this.listener?.wanted() ? this.listener : undefined;
        const written = await insertRows(this.database, batch, listener !== undefined);
        this.buffer.splice(0, batch.length);
        if (listener && written) this.tell(listener, written);
        this.stats.written += batch.length;
        this.backoffMs = 0;
      } catch (error) {
        this.stats.failedFlushes++;
        this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5_000);
        this.retryAt = Date.now() + this.backoffMs;
        this.logger.warn({ err: error, buffered: this.buffer.length, retryInMs: this.backoffMs }, 'could not write log rows; keeping them buffered');
        return;
      }
    }
  }

  private tell(listener: LogRowsListener, rows: LogRowOut[]) {
    try {
      listener.written(rows.map(toLogEntry));
    } catch (error) {
      this.logger.warn({ err: error }, 'a log rows listener failed');
    }
  }

  /** Final flush at shutdown, bounded by timeoutMs. */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) {
      this.retryAt = 0;
      await this.flush();
      if (this.buffer.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.buffer.length > 0) {
      this.stats.dropped += this.buffer.length;
      this.logger.error({ lost: this.buffer.length }, 'log rows could not be written before shutdown');
    }
  }
}

const INSERT_ROWS = `
  INSERT INTO logs (level, message, workflow_id, run_id, job_id, actor_id, payload, pii_redacted, created_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::jsonb[], $8::boolean[], $9::timestamptz[])`;
/** The same, returning the rows as GET /logs reads them (logs.repository.ts), for the live events. */
const INSERT_ROWS_RETURNING = `${INSERT_ROWS}
  RETURNING id, level, message, workflow_id, run_id, job_id, actor_id, payload, pii_redacted,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`;

/**
 * One fixed statement whatever the batch size: the columns travel as arrays and unnest() makes
 * the rows, so PostgreSQL prepares a short statement once per connection instead of parsing
 * one with thousands of parameters for every batch.
 */
async function insertRows(database: Pick<DatabaseHandle, 'pool'>, rows: Row[], returning: boolean): Promise<LogRowOut[] | undefined> {
  const column = <K extends keyof Row>(key: K) => rows.map((r) => r[key]);
  const result = await database.pool.query<LogRowOut>({
    name: returning ? 'visapi_log_rows_returning' : 'visapi_log_rows',
    text: returning ? INSERT_ROWS_RETURNING : INSERT_ROWS,
    values: [column('level'), column('message'), column('workflow_id'), column('run_id'), column('job_id'), column('actor_id'), column('payload'), column('pii_redacted'), column('created_at')],
  });
  return returning ? result.rows : undefined;
}
