// The ingestion floor of SPEC §13, as a process of its own: bare Fastify (no Nest), one route that
// parses the JSON body and adds one BullMQ job to the same Redis, answering 202. The bench starts
// it beside the gateway, with the same Redis and the same job options a webhook's run job gets.
// Env: PORT, REDIS_URL, REDIS_PREFIX. The queue's name, job id and options are the run job's.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
const queue = new Queue('normal', { connection, prefix: process.env.REDIS_PREFIX });
const app = Fastify({ logger: false, bodyLimit: 512 * 1024 });
app.post('/enqueue', async (request, reply) => {
  const runId = randomUUID();
  await queue.add('run', { v: 2, runId, input: request.body }, { jobId: runId, attempts: 30, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 604_800 } });
  return reply.code(202).send({ runId, status: 'queued' });
});
app.get('/healthz', async () => ({ status: 'ok' }));
await new Promise((resolve, reject) => connection.once('ready', resolve).once('error', reject));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  await queue.close();
  connection.disconnect();
  process.exit(0);
});
