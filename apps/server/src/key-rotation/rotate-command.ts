import { LogService } from '../logs/log-write.service';
import type { Runtime } from '../platform/runtime';
import { QueuesService } from '../queues/queues.service';
import { KeyRotationRepository } from './key-rotation.repository';
import { KeyRotationService, type RotationReport } from './key-rotation.service';

type Get = <S>(type: new (...args: never[]) => S) => S;
type WithServices = <T>(fn: (get: Get, runtime: Runtime) => Promise<T>) => Promise<T>;

/** `visapi crypto:rotate [--dry-run] [--batch-size N]` (docs/runbooks/rotating-secrets.md). */
export function cryptoRotateCommand(withServices: WithServices) {
  return {
    summary: 're-encrypt under DATA_ENCRYPTION_KEY everything sealed under an older key (run inputs, step outputs, queued/failed jobs); --dry-run counts; safe to re-run',
    options: { 'dry-run': { type: 'boolean' as const }, 'batch-size': { type: 'string' as const } },
    run: (values: Record<string, string | boolean | string[] | undefined>, json: boolean) => {
      const batchSize = values['batch-size'] === undefined ? 500 : Number(values['batch-size']);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch-size: a whole number from 1 to 10000');
      const dryRun = values['dry-run'] === true;
      return withServices(async (get, runtime) => {
        if (!runtime.cipher.rotating) {
          throw new Error(
            'DATA_ENCRYPTION_PREVIOUS_KEYS is empty: set the new key as DATA_ENCRYPTION_KEY and the old one in DATA_ENCRYPTION_PREVIOUS_KEYS, on every process, then rotate (docs/runbooks/rotating-secrets.md)',
          );
        }
        const service = new KeyRotationService(new KeyRotationRepository(runtime.database), get(QueuesService), get(LogService), runtime.cipher);
        const report = await service.rotate({ dryRun, batchSize });
        return json ? report : describe(report);
      });
    },
  };
}

function describe(r: RotationReport): string {
  const counts = `${r.runs} run input(s), ${r.steps} step row(s), ${r.jobs} queued/failed job(s)`;
  const active = r.activeJobs ? `\n${r.activeJobs} job(s) under an older key are running now: run crypto:rotate again once they have finished` : '';
  if (r.dryRun) {
    const total = r.runs + r.steps + r.jobs + r.activeJobs;
    return total ? `key ${r.keyId}: still under an older key: ${counts}${active}` : `key ${r.keyId}: nothing left under an older key: the previous keys can be removed`;
  }
  return `key ${r.keyId}: re-encrypted ${counts}${active}`;
}
