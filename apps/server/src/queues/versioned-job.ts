import type { QueueName } from '@visapi/contracts';
import { type JobsOptions, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';

/** A payload written by a newer release: retried (BullMQ's backoff), so that a worker of that release takes it. */
export class NewerJobVersionError extends Error {}

export interface JobSpec<Current extends z.ZodType<{ v: number }>> {
  name: string;
  /** Its one queue; jobs written to several (runs: one per priority) leave it out. */
  queue?: QueueName;
  options: JobsOptions;
  /** The payload's schemas, version 1 first: `versions[i]` has `v: i + 1`; the last is what this release writes. */
  versions: [...z.ZodType<{ v: number }>[], Current];
  /** `upgrades[i]` turns a version i + 1 payload into a version i + 2 one. */
  upgrades: Array<(payload: never) => unknown>;
}

export interface JobDefinition<T extends { v: number }> {
  name: string;
  queue?: QueueName;
  options: JobsOptions;
  /** The version this release writes. */
  version: T['v'];
  /**
   * A delivered payload as the current version. The current version is only checked for its
   * `v` (this release wrote it); an older one is validated against its own schema and upgraded;
   * a newer one throws NewerJobVersionError; anything else UnrecoverableError.
   */
  read(data: unknown): T;
}

export function defineJob<Current extends z.ZodType<{ v: number }>>(spec: JobSpec<Current>): JobDefinition<z.infer<Current>> {
  const version = spec.versions.length;
  if (spec.upgrades.length !== version - 1) throw new Error(`job ${spec.name}: ${version} versions need ${version - 1} upgrades`);
  const current = spec.versions[version - 1] as Current;
  return {
    name: spec.name,
    queue: spec.queue,
    options: spec.options,
    version,
    read(data: unknown): z.infer<Current> {
      const v = (data as { v?: unknown } | null | undefined)?.v;
      if (v === version) return data as z.infer<Current>;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UnrecoverableError(`${spec.name} job has no schema version (v: ${JSON.stringify(v) ?? 'missing'})`);
      if (v > version) throw new NewerJobVersionError(`${spec.name} job has schema version ${v}; this worker knows versions 1 to ${version}: a worker of a newer release must take it`);
      const parsed = spec.versions[v - 1]!.safeParse(data);
      if (!parsed.success) throw new UnrecoverableError(`${spec.name} job of schema version ${v} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      let payload: unknown = parsed.data;
      for (const upgrade of spec.upgrades.slice(v - 1)) payload = (upgrade as (p: unknown) => unknown)(payload);
      const upgraded = current.safeParse(payload);
      if (!upgraded.success) throw new UnrecoverableError(`${spec.name} job of schema version ${v} does not upgrade to version ${version}`);
      return upgraded.data;
    },
  };
}
