import { Inject, Injectable } from '@nestjs/common';
import { keepSubscribed, type Redis } from '../platform/redis/redis';
import type { Logger } from 'pino';
import { LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';

/**
 * Cancelled runs, announced over Redis pub/sub: a gateway that cancels a run publishes its id;
 * the worker running it aborts the step in flight (else the run stops before its next step).
 */
@Injectable()
export class RunCancellations {
  private readonly publisher: Redis;
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.publisher = redis.create('command', 'visapi:runs:pub');
    this.channel = redis.key('runs', 'cancel');
  }

  /** Best effort: a worker that misses it stops the run at its next step. */
  async publish(runId: string): Promise<void> {
    await this.publisher.publish(this.channel, runId).catch(() => undefined);
  }

  listen(onCancel: (runId: string) => void): void {
    const subscriber = this.redis.create('subscriber', 'visapi:runs:cancel');
    subscriber.on('message', (from: string, runId: string) => {
      if (from === this.channel) onCancel(runId);
    });
    void keepSubscribed(subscriber, this.channel, (error) => this.logger.warn({ err: error }, 'cannot hear run cancellations; cancelled runs stop at their next step'));
  }
}
