// `npm start [-- --role gateway|worker]`: install if needed, build what changed, then run
// VisAPI in this same process (so signals reach it once, directly).
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from './build.mjs';
import { ROOT } from './lib.mjs';

build();
const main = path.join(ROOT, 'apps/server/dist/main.js');
process.argv = [process.argv[0], main, ...process.argv.slice(2)];
createRequire(import.meta.url)(main);
