import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

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
 * index.html's entry is tiny and imports the app (src/boot.tsx) after the shell has painted
 * (src/main.tsx). So that waiting costs no round trip, the app's chunks are preloaded from
 * index.html: modulepreload for boot and everything it statically imports, and its stylesheet
 * as a preload (fetched at once, applied by the app: the shell does not wait for it).
 */
function preloadApp(): Plugin {
  return {
    name: 'visapi-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle }) {
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const boot = chunks.find((c) => c.facadeModuleId?.endsWith('/src/boot.tsx'));
        if (!boot) throw new Error('visapi-preload-app: no chunk for src/boot.tsx');
        const scripts = new Set<string>();
        const styles = new Set<string>();
        const visit = (fileName: string) => {
          if (scripts.has(fileName)) return;
          scripts.add(fileName);
          const chunk = chunks.find((c) => c.fileName === fileName);
          chunk?.viteMetadata?.importedCss.forEach((css) => styles.add(css));
          chunk?.imports.forEach(visit);
        };
        visit(boot.fileName);
        return [
          ...[...styles].map((href) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', href: `/${href}` }, injectTo: 'head' as const })),
          ...[...scripts].map((href) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${href}` }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

/** `@rjsf/core` without the test helper that imports AJV: see src/features/trigger/rjsf-core.ts. */
export const rjsfCoreAlias = { find: /^@rjsf\/core$/, replacement: fileURLToPath(new URL('./src/features/trigger/rjsf-core.ts', import.meta.url)) };

export default defineConfig({
  plugins: [react(), preloadApp(), precompress()],
  resolve: { alias: [rjsfCoreAlias] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    // `npx vite` in apps/dashboard proxies the API to a running `npm start`.
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000', '/livez': 'http://localhost:3000' },
  },
});
