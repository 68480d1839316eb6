import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER, REDIS } from '../platform/platform.module';
import type { Redis, RedisConnections } from '../platform/redis/redis';
import { eventKeys, LISTENERS_CHECK_MS } from './event-keys';

/**
 * Whether anyone watches the live event stream, as this process knows it: its own clients (a
 * gateway's, at once), or the shared listeners key, re-read at most once a second by a timer.
 * An unwatched system pays that one GET per second per process and nothing else; `listening`
 * is a field read, so publishers ask it on the hot path.
 */
@Injectable()
export class ListenerWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private remote = false;
  private local = 0;
  private timer: NodeJS.Timeout | undefined;
  private connection: Redis | undefined;
  private readonly key: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.key = eventKeys(redis).listeners;
  }

  get listening(): boolean {
    return this.local > 0 || this.remote;
  }

  /** The fail-fast connection events are published on (made on first use). */
  get client(): Redis {
    this.connection ??= this.redis.create('command', 'visapi:events');
    return this.connection;
  }

  /** This process's own clients (the gateway's stream hub keeps it current). */
  setLocalListeners(count: number) {
    this.local = count;
  }

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.check(), LISTENERS_CHECK_MS);
    this.timer.unref();
    void this.check();
  }

  onModuleDestroy() {
    clearInterval(this.timer);
  }

  private async check() {
    try {
      this.remote = (await this.client.exists(this.key)) === 1;
    } catch (error) {
      // Redis away: publishing would fail anyway. The publisher reports errors; stay quiet here.
      this.remote = false;
      this.logger.debug({ err: error }, 'could not read the event listeners key');
    }
  }
}
