import pino, { type Logger } from 'pino';
import type { Config } from '../config/config';

export type { Logger } from 'pino';

/** The process logger: JSON lines on stdout, pretty-printed when stdout is a terminal. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT' | 'VISAPI_ROLE'>): Logger {
  const pretty =
    config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY === true);
  return pino({
    level: config.LOG_LEVEL,
    base: { role: config.VISAPI_ROLE, pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    transport: pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  });
}
