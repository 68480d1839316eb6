import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/config';
import { pathOf } from '../http/request-path';

export type { Logger } from 'pino';

/**
 * The process logger: JSON lines on stdout, pretty-printed when stdout is a terminal.
 * `destination` replaces stdout (tests read the lines).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT' | 'VISAPI_ROLE'>, destination?: DestinationStream): Logger {
  const pretty =
    !destination && (config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY === true));
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { role: config.VISAPI_ROLE, pid: process.pid },
    // Replaces Fastify's `req` serializer, which records the URL with its query string.
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: pathOf(String(req.url ?? '')) }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    transport: pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}
