import { Injectable } from '@nestjs/common';
import type { QueueName } from '@visapi/contracts';
import type { Job } from 'bullmq';

/** `token` lets a handler move its job (BullMQ's moveToDelayed for a scheduled retry). */
export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

/**
 * Which code runs a job: features register a handler for (queue, job name) at module init;
 * the worker host dispatches to it. A job with no handler fails at once, never silently.
 */
@Injectable()
export class JobHandlers {
  private readonly handlers = new Map<string, JobHandler>();

  register(queue: QueueName, jobName: string, handler: JobHandler) {
    const key = `${queue}/${jobName}`;
    if (this.handlers.has(key)) throw new Error(`a handler for ${key} is already registered`);
    this.handlers.set(key, handler);
  }

  find(queue: string, jobName: string): JobHandler | undefined {
    return this.handlers.get(`${queue}/${jobName}`);
  }
}
