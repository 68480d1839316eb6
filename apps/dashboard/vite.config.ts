import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type Rolldown } from 'vite';

// The bundler's types as Vite re-exports them (rolldown is Vite's dependency, not ours).
type OutputBundle = Rolldown.OutputBundle;
type OutputChunk = Rolldown.OutputChunk;
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

/**
 * src/startup-steps.ts imports the app in steps, one task each; without this, each step's
 * import would fetch its own chunks only after the step before had been evaluated (a round trip
 * per step). Every dynamic import of the entry (src/main.tsx) preloads the whole of ./boot's
 * chunks and stylesheets instead, so they are all requested at the first step (Vite's preload
 * helper requests each file once). `modulePreload.resolveDependencies` gets the chunk names only;
 * the bundle is taken from a `generateBundle` that runs before Vite's own.
 */
function stepsPreloadTheApp(): { plugin: Plugin; resolveDependencies: (file: string, deps: string[], context: { hostId: string }) => string[] } {
  let bundle: OutputBundle = {};
  const closure = (file: string, seen = new Set<string>()): Set<string> => {
    const chunk = bundle[file];
    if (seen.has(file) || chunk?.type !== 'chunk') return seen;
    seen.add(file);
    for (const css of chunk.viteMetadata?.importedCss ?? []) seen.add(css);
    for (const imported of chunk.imports) closure(imported, seen);
    return seen;
  };
  /** Whether the chunk holds the module (the entry's facade is index.html's script, not main.tsx). */
  const holds = (file: string, suffix: string) => {
    const chunk = bundle[file];
    return chunk?.type === 'chunk' && chunk.moduleIds.some((id) => id.endsWith(suffix));
  };
  return {
    plugin: { name: 'visapi-steps-preload-the-app', apply: 'build', generateBundle: { order: 'pre', handler: (_options, output) => void (bundle = output) } },
    resolveDependencies: (file, deps, { hostId }) => {
      if (!holds(hostId, '/src/main.tsx')) return deps;
      const boot = Object.keys(bundle).find((name) => bundle[name]?.type === 'chunk' && (bundle[name] as OutputChunk).facadeModuleId?.endsWith('/src/boot.tsx'));
      if (!boot) throw new Error('visapi-steps-preload-the-app: no chunk for src/boot.tsx');
      return [...new Set([...deps, ...closure(boot)])];
    },
  };
}
const stepsPreload = stepsPreloadTheApp();

/**
 * V8's explicit compile hint (Chromium 136+) on each chunk of the app's start (the modules
 * src/boot.tsx imports, directly or not): compile every function in it while the file streams
 * in, off the main thread, instead of one by one on the main thread when each is first called.
 * Nearly all of that code runs at start (React DOM, Mantine's core, the router, zod, the
 * contracts' schemas); evaluating it was the longest task after the first paint. Other browsers
 * read a comment.
 */
function compileHints(): Plugin {
  let outDir = 'dist';
  return {
    name: 'visapi-compile-hints',
    apply: 'build',
    configResolved: (config) => void (outDir = path.resolve(config.root, config.build.outDir)),
    // On the files written (before precompress, in closeBundle): the hint is one more first line,
    // so each source map gets one more empty first line.
    writeBundle(_options, bundle) {
      const boot = Object.values(bundle).find((file): file is OutputChunk => file.type === 'chunk' && !!file.facadeModuleId?.endsWith('/src/boot.tsx'));
      if (!boot) throw new Error('visapi-compile-hints: no chunk for src/boot.tsx');
      const hinted = new Set<string>();
      const visit = (name: string) => {
        const chunk = bundle[name];
        if (hinted.has(name) || chunk?.type !== 'chunk') return;
        hinted.add(name);
        const file = path.join(outDir, name);
        fs.writeFileSync(file, `//# allFunctionsCalledOnLoad\n${fs.readFileSync(file, 'utf8')}`);
        if (fs.existsSync(`${file}.map`)) {
          const map = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { mappings: string };
          map.mappings = `;${map.mappings}`;
          fs.writeFileSync(`${file}.map`, JSON.stringify(map));
        }
        for (const imported of chunk.imports) visit(imported);
      };
      visit(boot.fileName);
    },
  };
}

/** `@rjsf/core` without the test helper that imports AJV: see src/features/trigger/rjsf-core.ts. */
export const rjsfCoreAlias = { find: /^@rjsf\/core$/, replacement: fileURLToPath(new URL('./src/features/trigger/rjsf-core.ts', import.meta.url)) };

export default defineConfig({
  plugins: [react(), pageFrames(), compileHints(), precompress(), stepsPreload.plugin],
  resolve: { alias: [rjsfCoreAlias] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, modulePreload: { resolveDependencies: stepsPreload.resolveDependencies } },
  server: {
    // `npx vite` in apps/dashboard proxies the API to a running `npm start`.
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000', '/livez': 'http://localhost:3000' },
  },
});
