import { defineConfig } from 'vitest/config';

/** One runner for the whole repo: `npx vitest run apps/server/test/health.test.ts` runs one file. */
export default defineConfig({
  test: {
    projects: ['packages/contracts', 'apps/server', 'apps/dashboard'],
  },
});
