import fs from 'node:fs';
import path from 'node:path';
import { freePort, startServer, which } from './process-utils';

export interface EmbeddedRedisHandle {
  url: string;
  port: number;
  pid: number;
}

export const REDIS_MISSING_MESSAGE =
  'REDIS_URL is not set and no redis-server is on PATH: install Redis ' +
  '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL';

/**
 * A private redis-server with its data under dataDir/redis, configured as the queue's
 * durable store wants it: append-only file on, never evicting.
 */
export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedisHandle> {
  const binary = which('redis-server');
  if (!binary) throw new Error(REDIS_MISSING_MESSAGE);
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = await startServer(
    binary,
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--maxmemory-policy', 'noeviction',
      '--save', '',
      '--daemonize', 'no',
    ],
    { port, logFile: path.join(dataDir, 'redis.log'), name: 'redis-server' },
  );
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid! };
}
