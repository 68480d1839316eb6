import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { EventData, EventType } from '@visapi/contracts';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { eventKeys } from './event-keys';
import { ListenerWatch } from './listener-watch';

/** Events waiting for the next pipeline; beyond this (Redis slow or away) new ones are dropped. */
const MAX_PENDING = 10_000;
const ERROR_LOG_EVERY_MS = 60_000;

/**
 * Publishes live events (SPEC §9) to the shared backlog: a Redis Stream capped at about
 * EVENTS_BACKLOG entries, read by every gateway that has clients. Only while someone listens
 * (ListenerWatch); fire and forget — events of one tick go in one pipeline, nothing is awaited
 * by the caller, and a failure is logged (once a minute), never thrown.
 */
@Injectable()
export class EventsPublisher implements OnModuleDestroy {
  private pending: Array<[EventType, unknown]> = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private lastErrorLog = 0;
  private readonly stream: string;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'EVENTS_BACKLOG'>,
    @Inject(REDIS) redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly watch: ListenerWatch,
  ) {
    this.stream = eventKeys(redis).stream;
  }

  /** Whether events are wanted now: callers skip building costly payloads when not. */
  get listening(): boolean {
    return this.watch.listening;
  }

  publish<T extends EventType>(type: T, data: EventData<T>): void {
    if (!this.watch.listening || this.pending.length >= MAX_PENDING) return;
    this.pending.push([type, data]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes what is pending now (also awaited at shutdown and by tests). */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return this.flushing ?? Promise.resolve();
    this.pending = [];
    const previous = this.flushing ?? Promise.resolve();
    // Pipelines go out one after another, so entries keep the order they were published in.
    const current = previous.then(() => this.write(batch));
    this.flushing = current.finally(() => {
      if (this.flushing === current) this.flushing = undefined;
    });
    return current;
  }

  private async write(batch: Array<[EventType, unknown]>): Promise<void> {
    const pipeline = this.watch.client.pipeline();
    for (const [type, data] of batch) {
      pipeline.xadd(this.stream, 'MAXLEN', '~', this.config.EVENTS_BACKLOG, '*', 't', type, 'd', JSON.stringify(data));
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      if (Date.now() - this.lastErrorLog >= ERROR_LOG_EVERY_MS) {
        this.lastErrorLog = Date.now();
        this.logger.warn({ err: error, events: batch.length }, 'could not publish live events (dashboards miss them and refetch on reconnect)');
      }
    }
  }

  async onModuleDestroy() {
    await this.flush();
  }
}
