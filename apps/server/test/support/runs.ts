import { expect } from 'vitest';
import type { TestApp } from './test-app';

export type RunView = Record<string, unknown> & { id: string; status: string; steps: Array<Record<string, unknown>>; error: unknown };

const FINISHED = ['succeeded', 'dead', 'cancelled'];

/** Polls GET /api/v1/runs/{id} until the run reaches one of `statuses` (default: finished). */
export async function settledRun(t: TestApp, headers: Record<string, string>, runId: string, statuses = FINISHED): Promise<RunView> {
  let run = { status: '' } as RunView;
  await expect
    .poll(async () => {
      run = (await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers })).json();
      return statuses.includes(run.status);
    }, { timeout: 20_000, interval: 50 })
    .toBe(true);
  return run;
}
