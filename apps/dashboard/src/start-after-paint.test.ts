import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { START_AT_LATEST_MS, type StartConditions, startAfterPaint } from './start-after-paint';

/** A promise and the function that settles it. */
function later(): { promise: Promise<void>; settle: () => void } {
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}

let visibilityListeners: Array<() => void>;
const conditions = (overrides: Partial<StartConditions> = {}): StartConditions => ({
  visible: true,
  firstPaint: new Promise(() => undefined),
  preview: Promise.resolve(),
  onVisibilityChange: (listener) => void visibilityListeners.push(listener),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  ...overrides,
});

beforeEach(() => {
  vi.useFakeTimers();
  visibilityListeners = [];
});
afterEach(() => vi.useRealTimers());

describe('the app’s start after the first paint', () => {
  it('starts once the first paint and the page’s preview have both happened, in a task of its own', async () => {
    const start = vi.fn();
    const [paint, preview] = [later(), later()];
    startAfterPaint(start, conditions({ firstPaint: paint.promise, preview: preview.promise }));
    paint.settle();
    await vi.advanceTimersByTimeAsync(10);
    expect(start).not.toHaveBeenCalled(); // the preview (a workflow's definition) is still coming
    preview.settle();
    await Promise.resolve();
    await Promise.resolve();
    expect(start).not.toHaveBeenCalled(); // not in the paint's own task
    await vi.advanceTimersByTimeAsync(0);
    expect(start).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(START_AT_LATEST_MS);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts after 1 s at most when the paint or the preview never comes', async () => {
    const start = vi.fn();
    startAfterPaint(start, conditions({ preview: new Promise(() => undefined) }));
    await vi.advanceTimersByTimeAsync(START_AT_LATEST_MS - 1);
    expect(start).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts at once in a hidden tab (no frames there) and without paint timing', () => {
    const hidden = vi.fn();
    startAfterPaint(hidden, conditions({ visible: false }));
    expect(hidden).toHaveBeenCalledTimes(1);
    const noPaintTiming = vi.fn();
    startAfterPaint(noPaintTiming, conditions({ firstPaint: undefined }));
    expect(noPaintTiming).toHaveBeenCalledTimes(1);
  });

  it('starts when the tab is hidden before the paint, once', async () => {
    const start = vi.fn();
    startAfterPaint(start, conditions());
    for (const listener of visibilityListeners) listener();
    expect(start).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(START_AT_LATEST_MS);
    expect(start).toHaveBeenCalledTimes(1);
  });
});
