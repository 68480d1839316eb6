import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { QUEUE_NAMES, type QueueName } from '@visapi/contracts';
import { Queue } from 'bullmq';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';

/** Producer side of the queues: one BullMQ Queue per name, sharing one fail-fast connection. */
@Injectable()
export class QueuesService implements OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.runtime.redis.create('command', `visapi:queue:${name}`),
        prefix: this.runtime.config.REDIS_PREFIX,
      });
      queue.on('error', (error) => this.runtime.logger.warn({ err: error, queue: name }, 'queue connection error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  all(): Queue[] {
    return QUEUE_NAMES.map((name) => this.get(name));
  }

  async onModuleDestroy() {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }
}
