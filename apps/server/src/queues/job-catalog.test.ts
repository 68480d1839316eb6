import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cronFireJob, jobKeys, runJob, runJobToWrite } from './job-catalog';
import { NewerJobVersionError } from './versioned-job';

const ids = { runId: '0b9a4b6e-5b7e-4c39-9d0e-7f6a2c1d1a01', workflowId: '0b9a4b6e-5b7e-4c39-9d0e-7f6a2c1d1a02', versionId: '0b9a4b6e-5b7e-4c39-9d0e-7f6a2c1d1a03' };
const common = { ...ids, version: '1.0.0', trigger: { type: 'webhook' as const, key: 'hook' }, requestId: 'req-1', triggeredAt: '2026-11-26T00:00:00.000Z' };

describe('the job catalog (queues/job-catalog.ts)', () => {
  it('issue 10 #3: the current run job version is taken as written; version 1 is validated and upgraded to it', () => {
    const v2 = { v: 2, ...common, sealedInput: 'AQID' };
    expect(runJob.version).toBe(2);
    expect(runJob.read(v2)).toBe(v2);
    expect(runJob.read({ v: 1, ...common, input: 'AQID' })).toEqual(v2);
  });

  it('issue 10 #3: a newer version is left for a newer worker; no version or a malformed old one is unrecoverable', () => {
    expect(() => runJob.read({ v: 3, ...common })).toThrow(NewerJobVersionError);
    expect(() => runJob.read({ v: 3, ...common })).toThrow('run job has schema version 3; this worker knows versions 1 to 2');
    for (const bad of [null, 'x', {}, { v: '1' }, { v: 0 }, { v: 1.5 }]) expect(() => runJob.read(bad), JSON.stringify(bad)).toThrow(UnrecoverableError);
    expect(() => runJob.read({ v: 1, ...common, runId: 'nope', input: 'AQID' })).toThrow(/run job of schema version 1 is malformed: runId/);
  });

  it('issue 10 review: this release writes run jobs as version 1 (what the previous release reads), and reads them back unchanged', () => {
    const job = { v: 2 as const, ...common, sealedInput: 'AQID' };
    const written = runJobToWrite(job);
    expect(written).toEqual({ v: 1, ...common, input: 'AQID' });
    expect(runJob.read(JSON.parse(JSON.stringify(written)))).toEqual(job);
  });

  it('issue 10 review: a cron fire of a newer version is left for a newer worker, and fires are retried', () => {
    expect(() => cronFireJob.read({ v: 2, workflowId: ids.workflowId, triggerIndex: 0 })).toThrow(NewerJobVersionError);
    expect(cronFireJob.options.attempts).toBeGreaterThan(1);
  });

  it('issue 10 #3: jobKeys names where a run\'s first job is, in every run queue', () => {
    expect(jobKeys('r1', '{visapi}')).toEqual(['{visapi}:critical:r1', '{visapi}:default:r1', '{visapi}:bulk:r1']);
  });
});
