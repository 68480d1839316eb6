import { describe, expect, it } from 'vitest';
import { failure, memoryConnectors, runStep, stepContext as context } from '../../../test/support/providers/in-memory';
import { DefinitionValidator } from '../../workflows/definition-validator';
import { delayConfigSchema } from './delay';

/** delay: its config contract on save (the definition validator) and at run time; in memory, no DB. */
const validator = new DefinitionValidator();
const saving = (config?: Record<string, unknown>) =>
  validator.check({ name: 'wait', version: '1.0.0', steps: [{ id: 'wait', type: 'delay', ...(config === undefined ? {} : { config }) }] });
const errorsOnSave = (config?: Record<string, unknown>) => {
  const result = saving(config);
  return result.ok ? [] : result.errors;
};

describe('delay (config contract)', () => {
  it('refuses a delay with neither ms nor until on save, at the whole config, with or without a config object', () => {
    expect(errorsOnSave({})).toEqual([{ path: '$.steps[0].config', message: 'needs ms or until' }]);
    expect(errorsOnSave()).toEqual([{ path: '$.steps[0].config', message: 'needs ms or until' }]);
    expect(errorsOnSave({ note: 'no wait given' })).toEqual([{ path: '$.steps[0].config', message: 'needs ms or until' }]);
  });

  it('accepts ms (a number or a numeric string) or until (an ISO date-time) on save', () => {
    expect(errorsOnSave({ ms: 1000 })).toEqual([]);
    expect(errorsOnSave({ ms: 0 })).toEqual([]);
    expect(errorsOnSave({ ms: '250' })).toEqual([]);
    expect(errorsOnSave({ until: '2026-05-01T09:00:00Z' })).toEqual([]);
    expect(delayConfigSchema.parse({ ms: '250' })).toEqual({ ms: 250 });
  });

  it('accepts a templated ms or until on save: it is checked when a run renders it', () => {
    expect(errorsOnSave({ ms: '{{ input.waitMs }}' })).toEqual([]);
    expect(errorsOnSave({ until: '{{ input.notBefore }}' })).toEqual([]);
  });

  it('still refuses a bad literal ms or until on save, naming the field', () => {
    expect(errorsOnSave({ ms: -1 })).toEqual([{ path: '$.steps[0].config.ms', message: 'must be a non-negative number of milliseconds' }]);
    expect(errorsOnSave({ until: 'next tuesday' })).toEqual([{ path: '$.steps[0].config.until', message: 'must be an ISO date-time, such as 2026-05-01T09:00:00Z' }]);
  });

  it('at run time: waits ms, or until a past time at once; a config with neither is a permanent error naming the config', async () => {
    const { registry } = memoryConnectors();
    expect(await registry.get('delay')!.execute({ ms: 1 }, context('wait'))).toEqual({});
    expect(await registry.get('delay')!.execute({ until: new Date(Date.now() - 1000).toISOString() }, context('wait'))).toEqual({});
    const outcome = await runStep(registry, 'delay', {});
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('invalid config: config: needs ms or until') } });
    const direct = await failure(registry.get('delay')!.execute({}, context('wait')));
    expect([direct.errorClass, direct.message]).toEqual(['permanent', 'delay: set ms or until']);
  });
});
