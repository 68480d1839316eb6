/**
 * The entry point is this small on purpose: the shell in index.html paints first, and the app
 * (./boot, preloaded by index.html's modulepreload links: see vite.config.ts) is evaluated once
 * that paint happened, so a slow phone shows the shell instead of a blank page while it works.
 * Without paint timing (or in a hidden tab, which gets no frames) it starts after 100 ms at most.
 */
import { showLoadFailure } from './load-failure';

let started = false;
const start = () => {
  if (started) return;
  started = true;
  import('./boot').catch(() => showLoadFailure(document));
};
if (document.visibilityState !== 'visible' || typeof PerformanceObserver === 'undefined' || !PerformanceObserver.supportedEntryTypes?.includes('paint')) {
  start();
} else {
  new PerformanceObserver((entries, observer) => {
    if (entries.getEntriesByName('first-contentful-paint').length === 0) return;
    observer.disconnect();
    setTimeout(start);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(start, 100);
}
