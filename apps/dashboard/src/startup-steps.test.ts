import { describe, expect, it } from 'vitest';
import { startInSteps } from './startup-steps';

describe('the app started in steps', () => {
  it('runs the steps in order, each in a task of its own: what a step queues runs before the next step', async () => {
    const seen: string[] = [];
    const step = (name: string) => async () => {
      seen.push(name);
      setTimeout(() => seen.push(`task queued by ${name}`));
    };
    await startInSteps([step('a'), step('b'), step('c')]);
    expect(seen).toEqual(['a', 'task queued by a', 'b', 'task queued by b', 'c']);
  });

  it('stops at a step that fails (a chunk that did not load), so main.tsx shows the failure', async () => {
    const seen: string[] = [];
    const failure = new Error('Failed to fetch dynamically imported module');
    const run = startInSteps([
      async () => void seen.push('a'),
      () => Promise.reject(failure),
      async () => void seen.push('c'),
    ]);
    await expect(run).rejects.toBe(failure);
    expect(seen).toEqual(['a']);
  });
});
