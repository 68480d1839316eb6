import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';
import { rjsfCoreAlias } from './vite.config';

export default defineProject({
  plugins: [react()],
  resolve: { alias: [rjsfCoreAlias] },
  test: {
    name: 'dashboard',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // Through Vite, so the alias applies and `dayjs/plugin/…` (no extension) resolves.
    server: { deps: { inline: ['@rjsf/mantine'] } },
  },
});
