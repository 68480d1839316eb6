import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobHandlers } from '../src/queues/job-handlers';
import { WorkerHost } from '../src/queues/worker-host';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

let infra: TestInfra;
let t: TestApp;
let queue: Queue;
let events: QueueEvents;
const seen: unknown[] = [];

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'worker', env: { WORKER_CONCURRENCY_BULK: '3' } });
  t.app.get(JobHandlers).register('default', 'probe', async (job) => {
    seen.push(job.data);
    return { doubled: (job.data as { n: number }).n * 2 };
  });
  const connection = { url: infra.redisUrl };
  queue = new Queue('default', { connection, prefix: infra.redisPrefix });
  events = new QueueEvents('default', { connection, prefix: infra.redisPrefix });
  await events.waitUntilReady();
});
afterAll(async () => {
  await queue?.close();
  await events?.close();
  await t?.close();
  await infra?.cleanup();
});

describe('worker host', () => {
  it('runs a job with the handler registered for its queue and name', async () => {
    const job = await queue.add('probe', { n: 21 });
    expect(await job.waitUntilFinished(events, 10_000)).toEqual({ doubled: 42 });
    expect(seen).toEqual([{ n: 21 }]);
  });

  it('fails a job nobody handles at once, with a message naming it', async () => {
    const job = await queue.add('mystery', {}, { attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('no handler for job "mystery" on queue "default"');
    const failed = await Queue.prototype.getJob.call(queue, job.id!);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('takes per-queue concurrency from the configuration', () => {
    const host = t.app.get(WorkerHost);
    expect(host.concurrency('bulk')).toBe(3);
    expect(host.concurrency('critical')).toBe(20);
  });

  it('refuses a second handler for the same job', () => {
    expect(() => t.app.get(JobHandlers).register('default', 'probe', async () => undefined)).toThrow('already registered');
  });
});
