import path from 'node:path';
import { configSchema, hashTag, type RawConfig, type Role } from './config.schema';

export type { Role } from './config.schema';
export { ROLES } from './config.schema';

/** The typed configuration, parsed once at boot. */
export interface Config extends RawConfig {
  PUBLIC_URL: string;
  /** Absolute path of VISAPI_DATA_DIR. */
  dataDir: string;
  /** Absolute path of the built dashboard. */
  dashboardDir: string;
  /** Base URL of the runbooks, ending in `/` (default `${PUBLIC_URL}/docs/runbooks/`). */
  RUNBOOK_BASE_URL: string;
  /** Absolute path of the repository's docs/runbooks, served at /docs/runbooks/{name}.md. */
  runbooksDir: string;
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
    const got = input[name] === undefined ? undefined : shownValue(name, input[name]);
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
    throw new ConfigError(`Invalid configuration: ${name} ${describe(issue.message)}${shown}`);
  }
  const raw = parsed.data;
  const storageProblem = s3ConfigProblem(raw);
  if (storageProblem) throw new ConfigError(`Invalid configuration: ${storageProblem}`);
  const redisProblem = redisConfigProblem(raw);
  if (redisProblem) throw new ConfigError(`Invalid configuration: ${redisProblem}`);
  const cwd = process.cwd();
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  return {
    ...raw,
    PUBLIC_URL: publicUrl,
    RUNBOOK_BASE_URL: (raw.RUNBOOK_BASE_URL ?? `${publicUrl}/docs/runbooks/`).replace(/\/*$/, '/'),
    runbooksDir: path.join(REPO_ROOT, 'docs/runbooks'),
    dataDir: path.resolve(cwd, raw.VISAPI_DATA_DIR),
    dashboardDir: raw.DASHBOARD_DIR
      ? path.resolve(cwd, raw.DASHBOARD_DIR)
      : path.join(REPO_ROOT, 'apps/dashboard/dist'),
  };
}

/** What is wrong with the s3 storage driver's settings, in one line. */
export function s3ConfigProblem(raw: Pick<RawConfig, 'STORAGE_DRIVER' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>): string | undefined {
  if (raw.STORAGE_DRIVER !== 's3') return undefined;
  if (!raw.S3_BUCKET) return 'S3_BUCKET is required when STORAGE_DRIVER=s3';
  if (!raw.S3_ACCESS_KEY_ID !== !raw.S3_SECRET_ACCESS_KEY) return 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (set both, or neither for the SDK’s default credentials)';
  return undefined;
}

/** What is wrong with REDIS_URL, REDIS_CLUSTER_NODES and REDIS_PREFIX together, in one line. */
export function redisConfigProblem(raw: Pick<RawConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_PREFIX'>): string | undefined {
  if (!raw.REDIS_CLUSTER_NODES) return undefined;
  if (raw.REDIS_URL) return 'REDIS_URL and REDIS_CLUSTER_NODES exclude each other (set one: a single Redis, or the seeds of a Cluster)';
  // Several-key commands (BullMQ's scripts, idempotency) need all their keys in one slot.
  if (hashTag(raw.REDIS_PREFIX) === undefined) {
    return `REDIS_PREFIX must hold a Redis Cluster hash tag such as {visapi} when REDIS_CLUSTER_NODES is set (got ${JSON.stringify(raw.REDIS_PREFIX)})`;
  }
  return undefined;
}

function describe(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Variables whose whole value is a secret (keys, tokens; a Slack webhook URL is its own token). */
const SECRET_NAME = /(?:_KEYS?|_TOKEN|_SECRET|_PASSWORD|_WEBHOOK_URL)$|^META_WA_/;
/** Query parameters that carry credentials in connection URLs. */
const SECRET_PARAM = /((?:^|[?&;])[^=&;#]*(?:pass|pwd|secret|token|key|auth|sig|credential)[^=&;#]*=)[^&;#]*/gi;

/**
 * What a boot error may show of a bad value: nothing for a secret-named variable; a URL with its
 * credentials masked (user-info before the last `@`, credential-like query parameters);
 * anything else as it is. At most 80 characters.
 */
export function shownValue(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name)) return undefined;
  let shown = value;
  if (name.endsWith('_URL')) {
    // The user-info ends at the LAST `@` of the whole value: an unencoded `#`, `?` or `/` in a
    // password (the usual reason such a URL is refused) must not hide it from the mask.
    const at = shown.lastIndexOf('@');
    const slashes = shown.indexOf('//');
    const start = slashes === -1 || slashes > at ? 0 : slashes + 2;
    let head = '';
    let rest = shown;
    if (at >= start) {
      const userInfo = shown.slice(start, at);
      const colon = userInfo.indexOf(':');
      const user = colon > 0 && !/[/?#]/.test(userInfo.slice(0, colon)) ? `${userInfo.slice(0, colon)}:` : '';
      head = `${shown.slice(0, start)}${user}***@`;
      rest = shown.slice(at + 1);
    }
    const queryAt = rest.search(/[?#]/);
    shown = queryAt === -1 ? head + rest : head + rest.slice(0, queryAt) + rest.slice(queryAt).replace(SECRET_PARAM, '$1***');
  }
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
