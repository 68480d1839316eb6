import path from 'node:path';
import { configSchema, type RawConfig, type Role } from './config.schema';

export type { Role } from './config.schema';
export { ROLES } from './config.schema';

/** The typed configuration, parsed once at boot. */
export interface Config extends RawConfig {
  PUBLIC_URL: string;
  /** Absolute path of VISAPI_DATA_DIR. */
  dataDir: string;
  /** Absolute path of the built dashboard. */
  dashboardDir: string;
}

export class ConfigError extends Error {}

/** The repository root, found from this file's place in apps/server/{src,dist}/platform/config. */
export const REPO_ROOT = path.resolve(__dirname, '../../../../..');

/**
 * Parses the environment into a Config. Throws ConfigError with one line naming the
 * first bad variable and what is wrong with it.
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: { role?: Role } = {}): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  if (overrides.role) input.VISAPI_ROLE = overrides.role;
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const got = input[name];
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(truncate(got))})`;
    throw new ConfigError(`Invalid configuration: ${name} ${describe(issue.message)}${shown}`);
  }
  const raw = parsed.data;
  const cwd = process.cwd();
  return {
    ...raw,
    PUBLIC_URL: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(cwd, raw.VISAPI_DATA_DIR),
    dashboardDir: raw.DASHBOARD_DIR
      ? path.resolve(cwd, raw.DASHBOARD_DIR)
      : path.join(REPO_ROOT, 'apps/dashboard/dist'),
  };
}

function describe(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function truncate(value: string): string {
  // Never echo a whole URL: it may hold a password.
  const masked = value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
  return masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
}
