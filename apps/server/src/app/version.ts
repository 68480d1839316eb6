import fs from 'node:fs';
import path from 'node:path';

/** The server package's version, read once. */
export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;
