import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    // `npx vite` in apps/dashboard proxies the API to a running `npm start`.
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000', '/livez': 'http://localhost:3000' },
  },
});
