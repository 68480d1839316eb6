import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { frameFileName, frameHtml, PAGE_FRAMES } from './src/frames/page-frames';

/**
 * Writes a .br and a .gz beside every text asset, once, at build time; the gateway serves
 * them to browsers that accept them (@fastify/static preCompressed), so no request pays for
 * compressing and a phone on a slow network downloads a quarter of the bytes.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'visapi-precompress',
    apply: 'build',
    configResolved: (config) => void (outDir = path.resolve(config.root, config.build.outDir)),
    closeBundle() {
      const visit = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) visit(file);
          else if (/\.(js|css|html|svg|json)$/.test(entry.name) && fs.statSync(file).size > 1024) {
            const content = fs.readFileSync(file);
            fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
            fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
          }
        }
      };
      visit(outDir);
    },
  };
}

/**
 * One copy of index.html per page of the route table that has a frame (src/frames/page-frames.ts):
 * the shell with the page's heading and description, so they paint with the first paint. The
 * gateway serves `frames/<page>.html` for a route listed in `frames/routes.json`, index.html
 * for the others (apps/server/src/dashboard/serve-dashboard.ts). Written before precompress
 * (writeBundle runs before closeBundle).
 */
function pageFrames(): Plugin {
  let outDir = 'dist';
  return {
    name: 'visapi-page-frames',
    apply: 'build',
    configResolved: (config) => void (outDir = path.resolve(config.root, config.build.outDir)),
    writeBundle() {
      const index = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
      const main = '<main class="shell-main" aria-busy="true">';
      if (!index.includes(main)) throw new Error(`visapi-page-frames: index.html has no ${main}`);
      const routes: Record<string, string> = {};
      fs.mkdirSync(path.join(outDir, 'frames'), { recursive: true });
      for (const [route, frame] of Object.entries(PAGE_FRAMES)) {
        const file = frameFileName(route);
        fs.writeFileSync(path.join(outDir, file), index.replace(main, `${main}${frameHtml(frame)}`));
        routes[route] = file;
      }
      fs.writeFileSync(path.join(outDir, 'frames/routes.json'), `${JSON.stringify(routes, null, 2)}\n`);
    },
  };
}

/** `@rjsf/core` without the test helper that imports AJV: see src/features/trigger/rjsf-core.ts. */
export const rjsfCoreAlias = { find: /^@rjsf\/core$/, replacement: fileURLToPath(new URL('./src/features/trigger/rjsf-core.ts', import.meta.url)) };

export default defineConfig({
  plugins: [react(), pageFrames(), precompress()],
  resolve: { alias: [rjsfCoreAlias] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    // `npx vite` in apps/dashboard proxies the API to a running `npm start`.
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000', '/livez': 'http://localhost:3000' },
  },
});
