import type { Job } from 'bullmq';
import type { LogService } from '../logs/log-write.service';
import type { DataCipher } from '../platform/crypto/encryption';
import { RUN_QUEUES, runJob } from '../queues/job-catalog';
import type { QueuesService } from '../queues/queues.service';
import type { KeyRotationRepository, StepKey } from './key-rotation.repository';

/** Where a run job waits with its sealed input: every state but active and completed. */
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'waiting-children', 'failed'] as const;

export interface RotationReport {
  /** The current key's id (DATA_ENCRYPTION_KEY). */
  keyId: string;
  dryRun: boolean;
  /** Run inputs (PostgreSQL) re-sealed, or to re-seal on a dry run. */
  runs: number;
  /** Step rows whose sealed output or items were re-sealed. */
  steps: number;
  /** Run jobs in Redis (waiting, delayed, failed…) whose payload was re-sealed. */
  jobs: number;
  /** Run jobs being worked on now, still under an older key: a later pass takes them. */
  activeJobs: number;
}

/**
 * `visapi crypto:rotate` (docs/runbooks/rotating-secrets.md): re-seals under DATA_ENCRYPTION_KEY
 * everything sealed under an older key or the legacy layout — queued and failed run jobs first
 * (so workers record new runs under the new key), then run inputs, then step outputs, in
 * batches. Only stale values are touched, so a second pass (after a crash, or for jobs that were
 * active) finds just what is left, and a pass with nothing left changes nothing.
 */
export class KeyRotationService {
  constructor(
    private readonly repository: KeyRotationRepository,
    private readonly queues: QueuesService,
    private readonly logs: LogService,
    private readonly cipher: DataCipher,
  ) {}

  async rotate(options: { dryRun: boolean; batchSize: number; onProgress?: (what: string, done: number) => void }): Promise<RotationReport> {
    const version = this.cipher.currentVersionByte;
    const reseal = (sealed: Buffer) => this.cipher.reseal(sealed) ?? sealed;
    const report: RotationReport = { keyId: this.cipher.keyId, dryRun: options.dryRun, runs: 0, steps: 0, jobs: 0, activeJobs: 0 };

    const jobs = await this.rotateJobs(options.dryRun, options.batchSize);
    report.jobs = jobs.stale;
    report.activeJobs = jobs.active;
    if (options.dryRun) {
      Object.assign(report, await this.repository.countStale(version));
      return report;
    }
    let after: string | null = null;
    do {
      const batch = await this.repository.rotateRuns(version, after, options.batchSize, reseal);
      report.runs += batch.rotated;
      after = batch.last;
      options.onProgress?.('runs', report.runs);
    } while (after);
    let afterStep: StepKey | null = null;
    do {
      const batch = await this.repository.rotateSteps(version, afterStep, options.batchSize, reseal);
      report.steps += batch.rotated;
      afterStep = batch.last;
      options.onProgress?.('steps', report.steps);
    } while (afterStep);
    this.logs.audit({
      actorId: null,
      action: 'crypto.rotated',
      target: `data_key:${report.keyId}`,
      details: { actorType: 'cli', runs: report.runs, steps: report.steps, jobs: report.jobs, activeJobs: report.activeJobs },
    });
    return report;
  }

  /** Run jobs still sealed under another key: re-sealed in place (or counted, on a dry run). */
  private async rotateJobs(dryRun: boolean, batchSize: number): Promise<{ stale: number; active: number }> {
    let stale = 0;
    let active = 0;
    for (const name of RUN_QUEUES) {
      const queue = this.queues.get(name);
      for (let start = 0; ; start += batchSize) {
        const page = await queue.getJobs(['active'], start, start + batchSize - 1, true);
        active += page.filter((job) => this.staleField(job)).length;
        if (page.length < batchSize) break;
      }
      for (const state of JOB_STATES) {
        for (let start = 0; ; start += batchSize) {
          const page = await queue.getJobs([state], start, start + batchSize - 1, true);
          for (const job of page) {
            const field = this.staleField(job);
            if (!field) continue;
            stale += 1;
            if (dryRun) continue;
            const data = job.data as Record<string, string>;
            const sealed = this.cipher.reseal(Buffer.from(data[field]!, 'base64'))!;
            // A job finished and removed meanwhile has nothing left to rotate.
            await job.updateData({ ...data, [field]: sealed.toString('base64') }).catch((error: unknown) => {
              if (!/missing key|does not exist/i.test((error as Error).message)) throw error;
            });
          }
          if (page.length < batchSize) break;
        }
      }
    }
    return { stale, active };
  }

  /** The payload field holding the sealed input (version 1 `input`, version 2 `sealedInput`), when not under the current key. */
  private staleField(job: Job | undefined): 'input' | 'sealedInput' | null {
    if (!job || job.name !== runJob.name || typeof job.data !== 'object' || job.data === null) return null;
    const data = job.data as Record<string, unknown>;
    const field = typeof data.sealedInput === 'string' ? 'sealedInput' : typeof data.input === 'string' ? 'input' : null;
    if (!field) return null;
    return this.cipher.isCurrent(Buffer.from(data[field] as string, 'base64')) ? null : field;
  }
}
