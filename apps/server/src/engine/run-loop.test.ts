import type { WorkflowDefinition, WorkflowStep } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { permanent, StepError, transient } from './errors';
import { type BegunRun, type RecordedStep, type RunError, type RunEvent, RunLoop, type RunStore, type RunTicket, type StepAt, type StepRecord } from './run-loop';
import { type ItemResult, StepRunner } from './step-runner';
import { type StepHandler, StepRegistry } from './step-types';
import { TemplateRenderer } from './templating';

/** The RunStore port in memory: what a run's rows would hold, without PostgreSQL. */
class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, { status: string; error?: RunError; steps: Map<string, RecordedStep & { error?: RunError }> }>();
  readonly calls: string[] = [];

  async begin(run: RunTicket, firstStep: StepAt | undefined): Promise<BegunRun> {
    this.calls.push('begin');
    const existing = this.runs.get(run.runId);
    if (!existing) {
      const steps = new Map<string, RecordedStep>();
      if (firstStep) steps.set(firstStep.id, { status: 'running', attempts: 1 });
      this.runs.set(run.runId, { status: 'running', steps });
      return { status: 'running', fresh: true, steps: new Map() };
    }
    if (['succeeded', 'dead', 'cancelled'].includes(existing.status)) return { status: existing.status, fresh: false, steps: new Map() };
    existing.status = 'running';
    return { status: 'running', fresh: false, steps: new Map(existing.steps) };
  }

  async stepStarted(runId: string, step: StepAt, attempt: number): Promise<boolean> {
    this.calls.push(`started ${step.id}#${attempt}`);
    const run = this.runs.get(runId)!;
    if (run.status === 'cancelled') return false;
    run.steps.set(step.id, { ...run.steps.get(step.id), status: 'running', attempts: attempt });
    return true;
  }

  async stepFinished(runId: string, step: StepAt, record: StepRecord, runSucceeded?: boolean): Promise<void> {
    this.calls.push(`${record.status} ${step.id}${runSucceeded ? ' (run succeeded)' : ''}`);
    const run = this.runs.get(runId)!;
    const attempts = record.status === 'skipped' ? 0 : (run.steps.get(step.id)?.attempts ?? 1);
    run.steps.set(step.id, {
      status: record.status,
      attempts,
      output: record.status === 'succeeded' ? record.output : undefined,
      items: record.status === 'failed' ? record.items : undefined,
      error: record.status === 'failed' ? record.error : undefined,
    });
    if (runSucceeded) run.status = 'succeeded';
  }

  async finish(runId: string, status: 'failed' | 'succeeded' | 'dead' | 'cancelled', error?: RunError): Promise<void> {
    this.calls.push(`finish ${status}`);
    Object.assign(this.runs.get(runId)!, { status, error });
  }

  /** Recorded forEach items, as they finish; `failWrites` makes the next calls throw (the write was lost). */
  failItemWrites = 0;
  async itemFinished(runId: string, step: StepAt, index: number, item: ItemResult): Promise<void> {
    this.calls.push(`item ${step.id}[${index}] ${item.status}`);
    if (this.failItemWrites > 0 && this.failItemWrites--) throw new Error('connection lost before the item was stored');
    const stored = this.runs.get(runId)!.steps.get(step.id)!;
    stored.items = Object.assign([...(stored.items ?? [])], { [index]: item });
  }

  /** A cancel from the API: the run is marked cancelled; its loop notices at the next step. */
  cancel(runId: string) {
    this.runs.get(runId)!.status = 'cancelled';
  }
}

/** Step types for the tests: each does what its config says and counts its calls. */
function fakeRegistry() {
  const calls: Array<{ type: string; config: Record<string, unknown> }> = [];
  const scripted = new Map<string, Array<() => unknown>>();
  const handler = (type: StepHandler['type'], run: (config: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>): StepHandler => ({
    type,
    execute: (config, context) => {
      calls.push({ type, config });
      return run(config, context.signal);
    },
  });
  const registry = new StepRegistry([
    // `delay` answers with its config; a `fail` entry in the script throws first.
    handler('delay', async (config) => {
      const next = scripted.get(String(config.key))?.shift();
      if (next) return next();
      return { echoed: config };
    }),
    // `http.request` hangs until aborted (timeout or cancel).
    handler('http.request', (_config, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))),
  ]);
  /** The next calls of the `delay` step whose config.key is `key` run these (then it echoes again). */
  const script = (key: string, ...outcomes: Array<() => unknown>) => scripted.set(key, outcomes);
  return { registry, calls, script };
}

const ticket = (runId = crypto.randomUUID()): RunTicket => ({
  runId,
  workflowId: 'wf-1',
  versionId: 'v-1',
  triggeredAt: '2026-11-26T00:00:00.000Z',
  input: { applicants: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], name: 'Dana' },
});
const definition = (steps: WorkflowStep[]): WorkflowDefinition => ({ name: 'flow', version: '1.0.0', steps }) as WorkflowDefinition;
const step = (id: string, config: Record<string, unknown> = {}, extra: Partial<WorkflowStep> = {}): WorkflowStep => ({ id, type: 'delay', config: { key: id, ...config }, ...extra }) as WorkflowStep;

function setup(options: { showError?: (e: RunError) => RunError } = {}) {
  const store = new MemoryRunStore();
  const fake = fakeRegistry();
  const events: RunEvent['type'][] = [];
  const loop = new RunLoop(new StepRunner(fake.registry, new TemplateRenderer()), store, {
    retryDelay: (attempt) => attempt * 1_000,
    onEvent: (_run, event) => events.push(event.type),
    ...options,
  });
  return { store, loop, events, ...fake };
}

const fail = (error: StepError) => () => {
  throw error;
};

describe('RunLoop (engine/run-loop.ts) over an in-memory RunStore', () => {
  it('issue 10 #2: runs the steps in order, each seeing the outputs before it; the last step finishes the run', async () => {
    const { loop, store, events, calls } = setup();
    const run = ticket();
    const end = await loop.run(run, definition([step('first', { who: '{{ input.name }}' }), step('second', { got: '{{ steps.first.echoed.who }}' })]));
    expect(end).toEqual({ status: 'succeeded' });
    expect(calls.map((c) => c.config)).toEqual([{ key: 'first', who: 'Dana' }, { key: 'second', got: 'Dana' }]);
    expect(store.calls).toEqual(['begin', 'succeeded first', 'started second#1', 'succeeded second (run succeeded)']);
    expect(store.runs.get(run.runId)!.status).toBe('succeeded');
    expect(events).toEqual(['run-started', 'step-succeeded', 'step-succeeded', 'run-succeeded']);
    // A second delivery of a finished run does nothing.
    expect(await loop.run(run, definition([step('first')]))).toEqual({ status: 'finished-before' });
    expect(calls).toHaveLength(2);
  });

  it('issue 10 #2: a transient failure asks for a retry; the next delivery resumes at that step with the stored outputs', async () => {
    const { loop, store, calls, script } = setup();
    script('second', fail(transient('503 from the provider')));
    const run = ticket();
    const flow = definition([step('first'), step('second', { from: '{{ steps.first.echoed.key }}' }, { retries: 2 })]);
    expect(await loop.run(run, flow)).toEqual({ status: 'retry', delayMs: 1_000, error: { class: 'transient', message: '503 from the provider', stepId: 'second' } });
    expect(store.runs.get(run.runId)!.status).toBe('failed');

    expect(await loop.run(run, flow)).toEqual({ status: 'succeeded' });
    expect(calls.map((c) => c.config.key)).toEqual(['first', 'second', 'second']);
    expect(calls.at(-1)!.config).toEqual({ key: 'second', from: 'first' });
    expect([...store.runs.get(run.runId)!.steps].map(([id, s]) => [id, s.status, s.attempts])).toEqual([['first', 'succeeded', 1], ['second', 'succeeded', 2]]);
  });

  it('issue 10 #2: retries used up, or a permanent error, end the run dead with the step and the error', async () => {
    const { loop, store, script, events } = setup();
    script('flaky', fail(transient('down')), fail(transient('down')));
    const run = ticket();
    const flow = definition([step('flaky', {}, { retries: 1 }), step('never')]);
    expect((await loop.run(run, flow)).status).toBe('retry');
    expect(await loop.run(run, flow)).toEqual({ status: 'dead', error: { class: 'transient', message: 'down', stepId: 'flaky' } });
    expect(store.runs.get(run.runId)).toMatchObject({ status: 'dead', error: { stepId: 'flaky' } });
    expect(events.slice(-3)).toEqual(['step-retrying', 'step-failed', 'run-dead']);

    script('gone', fail(permanent('404')));
    const other = ticket();
    expect(await loop.run(other, definition([step('gone', {}, { retries: 5 })]))).toMatchObject({ status: 'dead', error: { class: 'permanent', stepId: 'gone' } });
    expect(store.runs.get(other.runId)!.steps.get('gone')!.attempts).toBe(1);
  });

  it('issue 10 #2: forEach runs every item; a retry runs only the items that failed, and the output lists every item', async () => {
    const { loop, store, calls, script } = setup();
    const run = ticket();
    const flow = definition([step('each', { id: '{{ item.id }}', at: '{{ index }}' }, { forEach: 'input.applicants', retries: 1 })]);
    script('each', () => ({ id: 'a' }), fail(transient('b failed')), () => ({ id: 'c' }));
    expect(await loop.run(run, flow)).toMatchObject({ status: 'retry', error: { class: 'transient', message: expect.stringContaining('1 of 3 items failed') } });
    const stored = store.runs.get(run.runId)!.steps.get('each')!;
    expect(stored.items!.map((i) => i.status)).toEqual(['succeeded', 'failed', 'succeeded']);

    expect(await loop.run(run, flow)).toEqual({ status: 'succeeded' });
    expect(calls.map((c) => c.config.id)).toEqual(['a', 'b', 'c', 'b']);
    expect(store.runs.get(run.runId)!.steps.get('each')!.output).toEqual([{ id: 'a' }, { echoed: { key: 'each', id: 'b', at: 1 } }, { id: 'c' }]);
  });

  it('issue 10 #2: a step over its timeout fails with class timeout, retried like a transient error', async () => {
    const { loop, store } = setup();
    const run = ticket();
    const flow = definition([{ id: 'slow', type: 'http.request', timeout: 20, retries: 0, config: {} } as WorkflowStep]);
    expect(await loop.run(run, flow)).toMatchObject({ status: 'dead', error: { class: 'timeout', stepId: 'slow' } });
    const retried = ticket();
    expect(await loop.run(retried, definition([{ id: 'slow', type: 'http.request', timeout: 20, retries: 1, config: {} } as WorkflowStep]))).toMatchObject({ status: 'retry', error: { class: 'timeout' } });
    expect(store.runs.get(retried.runId)!.status).toBe('failed');
  });

  it('issue 10 #2: a cancel aborts the step in flight; a run cancelled between steps starts no further step', async () => {
    const { loop, store, calls } = setup();
    const run = ticket();
    const controller = new AbortController();
    const flow = definition([{ id: 'stuck', type: 'http.request', timeout: 60_000, config: {} } as WorkflowStep, step('after')]);
    const ended = loop.run(run, flow, controller.signal);
    await expect.poll(() => calls.length).toBe(1);
    store.cancel(run.runId);
    controller.abort();
    expect(await ended).toEqual({ status: 'cancelled' });
    expect(store.runs.get(run.runId)).toMatchObject({ status: 'cancelled', error: { class: 'cancelled', stepId: 'stuck' } });
    expect(store.runs.get(run.runId)!.steps.get('stuck')!.status).toBe('failed');

    const between = ticket();
    const { loop: second, store: secondStore, calls: secondCalls } = setup();
    const cancelling = definition([step('first'), step('second')]);
    // The cancel lands while the first step runs: the loop stops before the second.
    const original = secondStore.stepFinished.bind(secondStore);
    secondStore.stepFinished = async (...args) => {
      await original(...args);
      secondStore.cancel(between.runId);
    };
    expect(await second.run(between, cancelling)).toEqual({ status: 'cancelled' });
    expect(secondCalls.map((c) => c.config.key)).toEqual(['first']);
  });

  it('issue 10 #2: skipped steps, a gone workflow version, and errors shown once through showError', async () => {
    const { loop, store, events } = setup();
    const run = ticket();
    expect(await loop.run(run, definition([step('first'), step('maybe', {}, { if: '{{ false }}' })]))).toEqual({ status: 'succeeded' });
    expect(store.calls).toEqual(['begin', 'succeeded first', 'started maybe#1', 'skipped maybe', 'finish succeeded']);
    expect(events).toEqual(['run-started', 'step-succeeded', 'step-skipped', 'run-succeeded']);

    const gone = ticket();
    expect(await loop.run(gone, undefined)).toEqual({ status: 'dead', error: { class: 'permanent', message: 'workflow version v-1 no longer exists' } });

    const { loop: shown, store: shownStore, script } = setup({ showError: (e) => ({ ...e, message: e.message.replace('dana@example.com', 'd***@example.com') }) });
    script('mail', fail(permanent('rejected dana@example.com')));
    const mailed = ticket();
    expect(await shown.run(mailed, definition([step('mail')]))).toMatchObject({ error: { message: 'rejected d***@example.com' } });
    expect(shownStore.runs.get(mailed.runId)).toMatchObject({ error: { message: 'rejected d***@example.com' } });
    expect(shownStore.runs.get(mailed.runId)!.steps.get('mail')).toMatchObject({ error: { message: 'rejected d***@example.com' } });
  });

  it('issue 16: forEach items are stored one by one; a delivery lost mid-step re-sends only the item whose result was not stored', async () => {
    const { loop, store, calls } = setup();
    const run = ticket();
    run.input = { applicants: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })) };
    const flow = definition([step('each', { id: '{{ item.id }}' }, { forEach: 'input.applicants' }), step('after', { n: '{{ steps.each.size }}' })]);
    // The third item was sent, then its write failed: as if the worker died before storing it.
    store.failItemWrites = 0;
    const original = store.itemFinished.bind(store);
    store.itemFinished = async (...args) => {
      if (args[2] === 2) {
        store.itemFinished = original;
        throw new Error('killed after the provider answered');
      }
      return original(...args);
    };
    await expect(loop.run(run, flow)).rejects.toThrow('killed after the provider answered');
    expect(calls.map((c) => c.config.id)).toEqual(['a', 'b', 'c']);
    expect(store.runs.get(run.runId)!.steps.get('each')!.items!.map((i) => i.status)).toEqual(['succeeded', 'succeeded']);

    expect(await loop.run(run, flow)).toEqual({ status: 'succeeded' });
    // Only `c` (in flight at the loss) is sent twice; a and b come from the store.
    expect(calls.map((c) => c.config.id ?? c.config.key)).toEqual(['a', 'b', 'c', 'c', 'd', 'e', 'after']);
    expect(store.runs.get(run.runId)!.steps.get('each')!.output).toEqual(['a', 'b', 'c', 'd', 'e'].map((id) => ({ echoed: { key: 'each', id } })));
    expect(calls.at(-1)!.config).toEqual({ key: 'after', n: 5 });
  });

  it('issue 16: the next item starts only once the previous one is stored; failed items are stored too, their errors shown once', async () => {
    const { loop, store, calls, script } = setup({ showError: (e) => ({ ...e, message: e.message.replace('b@example.com', 'b***@example.com') }) });
    const run = ticket();
    const flow = definition([step('each', { id: '{{ item.id }}' }, { forEach: 'input.applicants', retries: 1 })]);
    script('each', () => ({ id: 'a' }), fail(permanent('rejected b@example.com')));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = store.itemFinished.bind(store);
    let holding = false;
    store.itemFinished = async (...args) => {
      if (args[2] === 0) {
        holding = true;
        await held;
      }
      return original(...args);
    };
    const ended = loop.run(run, flow);
    await expect.poll(() => holding).toBe(true);
    expect(calls).toHaveLength(1); // b waits for a's write
    release();
    expect(await ended).toMatchObject({ status: 'dead', error: { class: 'permanent', message: expect.stringContaining('1 of 3 items failed') } });
    expect(store.calls.filter((c) => c.startsWith('item'))).toEqual(['item each[0] succeeded', 'item each[1] failed', 'item each[2] succeeded']);
    expect(store.runs.get(run.runId)!.steps.get('each')!.items![1]).toEqual({ status: 'failed', error: { class: 'permanent', message: 'rejected b***@example.com' } });
  });

  it('issue 16: a cancel mid-forEach keeps the items already done', async () => {
    const { loop, store, calls, script } = setup();
    const run = ticket();
    const controller = new AbortController();
    const flow = definition([{ id: 'each', type: 'delay', forEach: 'input.applicants', config: { key: 'each' } } as WorkflowStep]);
    script('each', () => ({ id: 'a' }), () => ({ id: 'b' }), () => new Promise(() => {}));
    const original = store.itemFinished.bind(store);
    store.itemFinished = async (...args) => {
      await original(...args);
      if (args[2] === 1) setImmediate(() => {
        store.cancel(run.runId);
        controller.abort();
      });
    };
    expect(await loop.run(run, flow, controller.signal)).toEqual({ status: 'cancelled' });
    expect(calls).toHaveLength(3);
    expect(store.runs.get(run.runId)!.steps.get('each')).toMatchObject({ status: 'failed', items: [{ status: 'succeeded' }, { status: 'succeeded' }] });
  });
});
