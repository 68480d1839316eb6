/**
 * The app's modules are evaluated in steps, each in a task of its own, instead of all of them
 * in one task: evaluating the whole app (React DOM, Mantine, the router, zod and the contracts'
 * schemas, the app) took one task of 150–350 ms, during which a phone answers no tap. Each step
 * imports a part of what ./boot imports; a module evaluates once, so the next step evaluates
 * only what is new, and ./boot last renders the app. Every step's chunks are fetched together
 * with the first (vite.config.ts, `stepsPreloadTheApp`), so the steps cost no round trips.
 */
export const STARTUP_STEPS: ReadonlyArray<() => Promise<unknown>> = [
  () => import('react-dom/client'),
  // zod and the contracts' schemas the router validates search parameters with
  () => Promise.all([import('@visapi/contracts/runs'), import('@visapi/contracts/logs'), import('@visapi/contracts/templates')]),
  () => import('./theme'),
  () => import('./components/Layout'),
  () => import('./router'),
  () => import('./boot'),
];

/** A new task: what the browser has queued (input, a frame) runs before the next step. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function startInSteps(steps = STARTUP_STEPS): Promise<void> {
  for (const [index, step] of steps.entries()) {
    if (index > 0) await nextTask();
    await step();
  }
}
