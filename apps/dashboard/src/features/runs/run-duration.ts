import type { RunSummary } from '@visapi/contracts';
import { durationBetween, formatDuration } from '../../lib/format';

/** A run's duration: start to finish, or so far while it runs. */
export const runDuration = (run: Pick<RunSummary, 'startedAt' | 'finishedAt'>) => formatDuration(durationBetween(run.startedAt, run.finishedAt));
