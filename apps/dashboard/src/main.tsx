/**
 * The entry point is this small on purpose: the shell in index.html (with the page's heading
 * and description: src/frames/page-frames.ts) paints first, and the app (./boot) is fetched and
 * evaluated once that paint happened, so a slow phone shows the page's frame instead of a blank
 * page while it works. On a workflow's page the shell also shows the definition, asked for at
 * once (src/frames/workflow-preview.ts), and the app starts once that has painted too (or
 * failed): its chunks would otherwise share the line with the definition's answer and delay it.
 *
 * The app's chunks are not preloaded from index.html: on a busy phone they arrived before the
 * first paint, and a paint that waits for nothing the app needs should not look as if it did
 * (Lighthouse counts every script that finished before the largest paint as blocking it).
 * Without paint timing, or in a hidden tab (which gets no frames), the app starts at once; a
 * tab hidden before the paint starts it then, and a paint that never comes after 1 s at most
 * (start-after-paint.ts).
 */
import { applyStoredColorScheme } from './frames/stored-color-scheme';
import { previewWorkflow } from './frames/workflow-preview';
import { showLoadFailure } from './load-failure';
import { firstContentfulPaint, startAfterPaint } from './start-after-paint';
import { startInSteps } from './startup-steps';

applyStoredColorScheme(document, () => localStorage);
startAfterPaint(() => void startInSteps().catch(() => showLoadFailure(document)), {
  visible: document.visibilityState === 'visible',
  firstPaint: firstContentfulPaint(),
  preview: previewWorkflow(document, location.pathname),
  onVisibilityChange: (listener) => document.addEventListener('visibilitychange', listener, { once: true }),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
});
