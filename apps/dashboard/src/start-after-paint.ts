/** What startAfterPaint needs from the page; tests pass their own. */
export interface StartConditions {
  /** Whether the tab is visible now (a hidden tab gets no frames, so no paint to wait for). */
  visible: boolean;
  /** Resolves at the first contentful paint; undefined without paint timing. */
  firstPaint: Promise<void> | undefined;
  /** Settles once the page's own preview has painted, or at once where there is none. */
  preview: Promise<void>;
  /** Calls back when the tab is hidden or shown. */
  onVisibilityChange: (listener: () => void) => void;
  setTimeout: (callback: () => void, ms: number) => unknown;
}

/** At most this long after the entry script ran, the app starts whatever has painted. */
export const START_AT_LATEST_MS = 1_000;

/**
 * Calls `start` once: after the first paint and the page's preview, in a task of its own; at
 * once in a hidden tab or without paint timing; when the tab's visibility changes; and after
 * START_AT_LATEST_MS whatever else happened (see main.tsx).
 */
export function startAfterPaint(start: () => void, conditions: StartConditions): void {
  let started = false;
  const once = () => {
    if (started) return;
    started = true;
    start();
  };
  if (!conditions.visible || !conditions.firstPaint) return once();
  void Promise.all([conditions.firstPaint, conditions.preview]).then(() => conditions.setTimeout(once, 0));
  conditions.onVisibilityChange(once);
  conditions.setTimeout(once, START_AT_LATEST_MS);
}

/** The first contentful paint, from a PerformanceObserver; undefined where paint timing is missing. */
export function firstContentfulPaint(): Promise<void> | undefined {
  if (typeof PerformanceObserver === 'undefined' || !PerformanceObserver.supportedEntryTypes?.includes('paint')) return undefined;
  return new Promise<void>((resolve) => {
    new PerformanceObserver((entries, observer) => {
      if (entries.getEntriesByName('first-contentful-paint').length === 0) return;
      observer.disconnect();
      resolve();
    }).observe({ type: 'paint', buffered: true });
  });
}
