import { isIP } from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

export const ROLES = ['all', 'gateway', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );
const csv = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );

/**
 * REDIS_CLUSTER_NODES: comma-separated `host:port` seeds of a Redis Cluster. An entry may be a
 * `redis://` or `rediss://` URL instead (managed clusters: TLS, a password); all entries then
 * share its scheme and credentials, since one client speaks to every node the same way.
 */
export interface ClusterNodes {
  nodes: Array<{ host: string; port: number }>;
  tls: boolean;
  username?: string;
  password?: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseClusterNodes(value: string): ClusterNodes | string {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return 'must list at least one host:port';
  const nodes: ClusterNodes['nodes'] = [];
  const schemes = new Set<string>();
  const credentials = new Set<string>();
  let auth: Pick<ClusterNodes, 'username' | 'password'> = {};
  for (const entry of entries) {
    let hostPort = entry;
    if (entry.includes('://')) {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        return `has an entry that is not a URL (entry ${nodes.length + 1})`;
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'entries must be host:port, redis://host:port or rediss://host:port';
      if ((url.pathname && url.pathname !== '/') || url.search) return 'entries name a node only (no database number or options: a Cluster has database 0 only)';
      schemes.add(url.protocol);
      credentials.add(`${url.username}:${url.password}`);
      auth = { ...(url.username ? { username: decodeURIComponent(url.username) } : {}), ...(url.password ? { password: decodeURIComponent(url.password) } : {}) };
      hostPort = `${url.hostname}:${url.port || '6379'}`;
    } else {
      schemes.add('redis:');
      credentials.add(':');
    }
    const match = HOST_PORT.exec(hostPort);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) return `entries must be host:port (entry ${nodes.length + 1} is not)`;
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (schemes.size > 1) return 'mixes redis:// and rediss:// (every node is reached the same way)';
  if (credentials.size > 1) return 'gives different credentials to different nodes (every node is reached the same way)';
  return { nodes, tls: schemes.has('rediss:'), ...auth };
}

/**
 * The hash tag of a key as Redis Cluster reads it: what lies between the first `{` and the
 * first `}` after it, when that is not empty. Keys with one tag hash to one slot.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY lists. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Whose X-Forwarded-For to believe (Fastify's trustProxy): `false` (nobody: the client is the
 * socket's peer), `true` (anybody — only when every connection comes through a proxy), a hop
 * count, or a list of proxy addresses/CIDRs.
 */
const trustProxy = z
  .string()
  .transform((v) => v.trim())
  .refine(
    (v) => v === 'true' || v === 'false' || /^\d{1,2}$/.test(v) || v.split(',').every((e) => isAddressOrCidr(e.trim())),
    { message: 'must be true, false, a hop count, or a comma-separated list of IP addresses or CIDRs' },
  )
  .transform((v): boolean | number | string[] =>
    v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((e) => e.trim()),
  );

/**
 * Every environment variable VisAPI reads, with its default. `.env.example` mirrors this
 * list; nothing else in the code reads `process.env`.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  VISAPI_ROLE: z.enum(ROLES).default('all'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  VISAPI_DATA_DIR: z.string().min(1).default('./.visapi'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseClusterNodes(v);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  /** After each job is queued, wait until this many replicas hold it (Redis WAIT); 0: do not wait. */
  REDIS_WAIT_REPLICAS: int(0, 10).default(0),
  /** How long WAIT may take (at most 1 s: a refusal must come quickly); fewer replicas by then: the request answers 503. */
  REDIS_WAIT_TIMEOUT_MS: int(1, 1_000).default(250),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 : _ - { }')
    .default('{visapi}'),
  MIGRATE_ON_START: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),
  HTTP_BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  TRUST_PROXY: trustProxy.default(false),
  DASHBOARD_DIR: z.string().min(1).optional(),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),
  SHUTDOWN_DRAIN_DELAY_MS: int(0, 600_000).default(5_000),
  HEALTH_CHECK_TIMEOUT_MS: int(100, 60_000).default(1_000),
  WORKER_METRICS_PORT: int(0, 65535).default(9464),
  WORKER_CONCURRENCY_CRITICAL: int(1, 1000).default(20),
  WORKER_CONCURRENCY_DEFAULT: int(1, 1000).default(10),
  WORKER_CONCURRENCY_BULK: int(1, 1000).default(5),
  WORKER_CONCURRENCY_MAINTENANCE: int(1, 100).default(1),
  PDF_CONCURRENCY: int(1, 64).default(2),
  CHROMIUM_PATH: z.string().min(1).optional(),
  CHROMIUM_SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  STORAGE_DIR: z.string().min(1).optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  FILE_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
  FILE_RETENTION_DAYS: int(1, 36_500).default(30),
  RUN_STALL_WINDOW_MS: int(10_000, 86_400_000).default(10 * 60_000),
  RUN_RECONCILE_INTERVAL_MS: int(1_000, 86_400_000).default(3 * 60_000),
  SCHEDULE_RECONCILE_INTERVAL_MS: int(1_000, 86_400_000).default(5 * 60_000),
  WORKER_LOCK_DURATION_MS: int(1_000, 600_000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: int(500, 600_000).default(30_000),
  ADMIN_EMAILS: csv.default([]),
  AUTH_ALLOWED_DOMAINS: csv.default([]),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('VisAPI <no-reply@localhost>'),
  API_KEY_CACHE_TTL_MS: int(0, 3_600_000).default(60_000),
  API_KEY_RATE_LIMIT_BURST: int(1, 1_000_000).default(200),
  API_KEY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(2),
  IP_RATE_LIMIT_BURST: int(1, 1_000_000).default(10),
  IP_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(0.2),
  SIGNED_WEBHOOK_RATE_LIMIT_BURST: int(1, 1_000_000).default(1_000),
  SIGNED_WEBHOOK_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(200),
  FAILED_LOOKUP_RATE_LIMIT_BURST: int(1, 1_000_000).default(100),
  FAILED_LOOKUP_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(1),
  FILE_DOWNLOAD_RATE_LIMIT_BURST: int(1, 1_000_000).default(300),
  FILE_DOWNLOAD_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(5),
  DATA_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)' })
    .optional(),
  /** Earlier DATA_ENCRYPTION_KEYs, comma-separated: read (never written) while crypto:rotate moves data off them. */
  DATA_ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((keys) => keys.every((k) => Buffer.from(k, 'base64').length === 32), { message: 'must be comma-separated keys of 32 bytes each, base64-encoded' })
    .default([]),
  HTTP_STEP_ALLOWED_HOSTS: csv.default([]),
  VISAPI_BENCH_ROUTES: bool.default(false),
  DEFAULT_LOCALE: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale such as en or he-IL').default('en'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: url(['http:', 'https:']).default('https://slack.com/api'),
  SLACK_WEBHOOK_URL: url(['http:', 'https:']).optional(),
  SLACK_ALERTS_CHANNEL: z.string().min(1).optional(),
  /** Stripe (refunds, SPEC §10): unset → refunds run in sandbox (kept in the outbox, never sent). A restricted key with refunds:write and charges:read suffices. */
  STRIPE_API_KEY: z.string().min(1).optional(),
  STRIPE_API_URL: url(['http:', 'https:']).default('https://api.stripe.com'),
  /** Each call to Stripe gives up after this long (then retried, as a 5xx). */
  STRIPE_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Calls per request to Stripe when it answers 429/5xx or cannot be reached (same Idempotency-Key), then 502. */
  STRIPE_MAX_ATTEMPTS: int(1, 10).default(3),
  /** Where the runbooks are read (the refund problem's `runbook` link); default `${PUBLIC_URL}/docs/runbooks/`, which the gateway serves. */
  RUNBOOK_BASE_URL: url(['http:', 'https:']).optional(),
  WHATSAPP_PROVIDER: z.enum(['cgb', 'meta']).default('cgb'),
  CGB_API_URL: url(['http:', 'https:']).default('https://app.chatgptbuilder.io/api'),
  CGB_API_KEY: z.string().min(1).optional(),
  CGB_PHONE_FIELD_ID: z.string().min(1).default('phone'),
  META_WA_API_URL: url(['http:', 'https:']).default('https://graph.facebook.com/v21.0'),
  META_WA_TOKEN: z.string().min(1).optional(),
  META_WA_PHONE_NUMBER_ID: z.string().min(1).optional(),
  LOG_RETENTION_DAYS: int(1, 36_500).default(90),
  RUN_RETENTION_DAYS: int(1, 36_500).default(90),
  LOG_PRUNE_CRON: z
    .string()
    .refine((v) => {
      try {
        CronExpressionParser.parse(v, { strict: false });
        return v.trim().split(/\s+/).length >= 5;
      } catch {
        return false;
      }
    }, 'must be a cron expression such as "0 3 * * *"')
    .default('0 3 * * *'),
  RETENTION_BATCH_SIZE: int(1, 100_000).default(5_000),
  LOG_BUFFER_MAX: int(100, 10_000_000).default(50_000),
  LOG_BATCH_SIZE: int(1, 10_000).default(500),
  LOG_FLUSH_INTERVAL_MS: int(10, 60_000).default(250),
  EVENTS_BACKLOG: int(10, 1_000_000).default(1_000),
  EVENTS_HEARTBEAT_MS: int(100, 600_000).default(15_000),
  EVENTS_CLIENT_BUFFER_BYTES: int(16 * 1024, 256 * 1024 * 1024).default(1024 * 1024),
  EVENTS_QUEUES_INTERVAL_MS: int(500, 600_000).default(5_000),
  RUN_STATS_REUSE_MS: int(0, 600_000).default(5_000),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (openssl rand -base64 32)').optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
