import type { WorkflowDefinition } from '@visapi/contracts';
import { CronExpressionParser } from 'cron-parser';
import { cronFireJob } from '../queues/job-catalog';

const PREFIX = 'cron-';

/** One job scheduler as VisAPI wants it to exist (SPEC §5.2). */
export interface DesiredSchedule {
  id: string;
  pattern: string;
  tz: string;
  /** The cron-fire job's payload, in the version this release writes. */
  data: ReturnType<typeof cronFireJob.read>;
}

/** `cron-<workflow id>-<trigger index>`: stable across versions while the trigger keeps its place. */
export const scheduleId = (workflowId: string, triggerIndex: number) => `${PREFIX}${workflowId}-${triggerIndex}`;
export const isCronSchedule = (id: string) => id.startsWith(PREFIX);

/** Every cron trigger of the given (enabled, unarchived) workflows, by scheduler id. */
export function desiredSchedules(workflows: Array<{ id: string; definition: WorkflowDefinition }>): Map<string, DesiredSchedule> {
  const desired = new Map<string, DesiredSchedule>();
  for (const { id, definition } of workflows) {
    (definition.triggers ?? []).forEach((trigger, triggerIndex) => {
      if (trigger.type !== 'cron') return;
      const schedule: DesiredSchedule = { id: scheduleId(id, triggerIndex), pattern: trigger.schedule.trim(), tz: trigger.timezone ?? 'UTC', data: { v: cronFireJob.version, workflowId: id, triggerIndex } };
      desired.set(schedule.id, schedule);
    });
  }
  return desired;
}

/**
 * The next `count` fire times after `from`, computed as BullMQ computes them (the same
 * cron-parser, in the trigger's IANA zone): DST gaps and repeats follow the zone's rules.
 */
export function nextFireTimes(pattern: string, tz: string, from: Date, count: number): Date[] {
  const expression = CronExpressionParser.parse(pattern, { tz, currentDate: from });
  return Array.from({ length: count }, () => expression.next().toDate());
}
