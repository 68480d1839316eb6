import type { JobSchedulerJson } from 'bullmq';
import { LogService } from '../logs/log-write.service';
import { type Redis, type RedisConnections, whenReady } from '../platform/redis/redis';
import type { Runtime } from '../platform/runtime';
import { cronFireJob } from '../queues/job-catalog';
import { QueuesService } from '../queues/queues.service';
import { RunsService } from '../runs/runs.service';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { desiredSchedules, isCronSchedule } from './cron-schedules';
import { type Corrections, ScheduleReconciler } from './schedule-reconciler';

type Get = <S>(type: new (...args: never[]) => S) => S;
type WithServices = <T>(fn: (get: Get, runtime: Runtime) => Promise<T>) => Promise<T>;

/** ok: in Redis as PostgreSQL says; missing: no job scheduler; differs: another pattern or zone; orphan: no enabled workflow wants it. */
type ScheduleState = 'ok' | 'missing' | 'differs' | 'orphan';

export interface ScheduleLine {
  id: string;
  workflowId: string | null;
  workflowName: string | null;
  pattern: string;
  tz: string;
  state: ScheduleState;
  /** The next fire Redis holds (null when missing). */
  next: string | null;
  lastCronRun: { id: string; status: string; createdAt: string } | null;
}

/** `schedule:list` and `schedule:reconcile` (docs/runbooks/stuck-schedule.md). */
export function scheduleCommands(withServices: WithServices) {
  return {
    'schedule:list': {
      summary: 'compare cron triggers (PostgreSQL) with their job schedulers (Redis): state ok|missing|differs|orphan, next fire, last cron run',
      run: (_: unknown, json: boolean) =>
        withServices(async (get) => {
          const lines = await listSchedules(get);
          if (json) return lines;
          return (
            lines
              .map((l) => `${l.id}  ${l.state.padEnd(7)}  "${l.pattern}" ${l.tz}  next ${l.next ?? '-'}  last cron run ${l.lastCronRun ? `${l.lastCronRun.createdAt} ${l.lastCronRun.status}` : 'never'}  ${l.workflowName ?? ''}`)
              .join('\n') || '(no cron triggers and no job schedulers)'
          );
        }),
    },
    'schedule:reconcile': {
      summary: 'make the job schedulers in Redis match the cron triggers in PostgreSQL now (what workers do every SCHEDULE_RECONCILE_INTERVAL_MS)',
      run: (_: unknown, json: boolean) =>
        withServices(async (get, runtime) => {
          // A worker's connections are ready long before its first pass; the CLI's first command would meet a connection still being made.
          const opened: Redis[] = [];
          const connections = Object.assign(Object.create(runtime.redis) as RedisConnections, {
            create: (...args: Parameters<RedisConnections['create']>) => {
              const client = runtime.redis.create(...args);
              opened.push(client);
              return client;
            },
          });
          const reconciler = new ScheduleReconciler(runtime.config, connections, runtime.logger, get(QueuesService), get(WorkflowCatalog), get(LogService));
          try {
            await Promise.all(opened.map((client) => whenReady(client, 5_000)));
            const corrections = await reconcileOnce(reconciler);
            if (json) return corrections;
            const parts = (['added', 'updated', 'removed'] as const).filter((k) => corrections[k].length).map((k) => `${k}: ${corrections[k].join(', ')}`);
            return parts.length ? parts.join('\n') : 'schedules already match the workflows';
          } finally {
            await reconciler.onModuleDestroy();
          }
        }),
    },
  };
}

/** One pass under the workers' lock; a pass a worker is making meanwhile is waited out (up to ~30 s). */
async function reconcileOnce(reconciler: ScheduleReconciler): Promise<Corrections> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const corrections = await reconciler.request();
    if (corrections) return corrections;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error('a worker kept the schedule lock for 30 s: try again, or look at the workers (GET /api/v1/queues)');
}

async function listSchedules(get: Get): Promise<ScheduleLine[]> {
  const workflows = await get(WorkflowCatalog).scheduledWorkflows();
  const names = new Map(workflows.map((w) => [w.id, w.definition.name]));
  const desired = desiredSchedules(workflows);
  const existing = new Map<string, JobSchedulerJson>();
  for (const scheduler of await get(QueuesService).get(cronFireJob.queue!).getJobSchedulers(0, -1)) {
    const id = scheduler.id ?? scheduler.key;
    if (isCronSchedule(id)) existing.set(id, scheduler);
  }
  const lines: ScheduleLine[] = [];
  for (const schedule of desired.values()) {
    const current = existing.get(schedule.id);
    const state: ScheduleState = !current ? 'missing' : current.pattern === schedule.pattern && (current.tz ?? 'UTC') === schedule.tz ? 'ok' : 'differs';
    const workflowId = schedule.data.workflowId;
    lines.push({ id: schedule.id, workflowId, workflowName: names.get(workflowId) ?? null, pattern: schedule.pattern, tz: schedule.tz, state, next: nextFire(current), lastCronRun: await lastCronRun(get, workflowId) });
  }
  for (const [id, current] of existing) {
    if (desired.has(id)) continue;
    const workflowId = (current.template?.data as { workflowId?: string } | undefined)?.workflowId ?? null;
    lines.push({ id, workflowId, workflowName: null, pattern: current.pattern ?? '', tz: current.tz ?? 'UTC', state: 'orphan', next: nextFire(current), lastCronRun: null });
  }
  return lines;
}

const nextFire = (scheduler: JobSchedulerJson | undefined) => (scheduler?.next ? new Date(scheduler.next).toISOString() : null);

async function lastCronRun(get: Get, workflowId: string): Promise<ScheduleLine['lastCronRun']> {
  const [run] = (await get(RunsService).list({ workflowId, triggerType: 'cron', limit: 1 })).items;
  return run ? { id: run.id, status: run.status, createdAt: run.createdAt } : null;
}
