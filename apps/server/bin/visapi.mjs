#!/usr/bin/env node
// The `visapi` CLI. Runs the built server's cli.js; `npm start` or `npm run build` builds it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('visapi: the server is not built yet: run "npm run build" (or "npm start") first\n');
  process.exit(1);
}
createRequire(import.meta.url)(cli);
