import type { ApiKey, CreatedApiKey, DlqReplay, Health, LogEntry, OutboxMessage, Page, Problem, Queues, Run, RunStats, RunSummary, SessionUser, TriggerAccepted, User, UserRole, Workflow, WorkflowSummary } from '@visapi/contracts';
import type { RotatedWebhookSecret, Template, TemplatePreview, WorkflowVersion } from '@visapi/contracts';
import { vi } from 'vitest';
import type { FileLink, Refund, RefundPreview } from '@visapi/contracts';

/**
 * What each API route answers, so a test's handler is type-checked against the contracts.
 * Add a line here for each route a page calls.
 */
export interface ApiRoutes {
  'GET /healthz': Health;
  'GET /api/v1/auth/me': SessionUser;
  'POST /api/v1/auth/magic-link': { status: string };
  'POST /api/v1/auth/verify': SessionUser;
  'POST /api/v1/auth/logout': void;
  'GET /api/v1/workflows': Page<WorkflowSummary>;
  'GET /api/v1/workflows/:id': Workflow;
  'PUT /api/v1/workflows/:id': Workflow;
  'PATCH /api/v1/workflows/:id': Workflow;
  'GET /api/v1/outbox': Page<OutboxMessage>;
  // Logs explorer and dead letters
  'GET /api/v1/logs': Page<LogEntry>;
  'GET /api/v1/dlq': Page<RunSummary>;
  'GET /api/v1/runs': Page<RunSummary>;
  'POST /api/v1/dlq/replays': DlqReplay;
  'GET /api/v1/dlq/replays/:id': DlqReplay;
  'GET /api/v1/api-keys': Page<ApiKey>;
  'POST /api/v1/api-keys': CreatedApiKey;
  'POST /api/v1/api-keys/:id/rotate': CreatedApiKey;
  'DELETE /api/v1/api-keys/:id': void;
  'GET /api/v1/users': Page<User>;
  'PATCH /api/v1/users/:id': User;
  // Runs, stats, queues, trigger (issue 11). Register '/runs/stats' before '/runs/:id': routes match in the order they were added.
  'GET /api/v1/runs/stats': RunStats;
  'GET /api/v1/runs/:id': Run;
  'POST /api/v1/runs/:id/retry': TriggerAccepted;
  'POST /api/v1/runs/:id/cancel': Run;
  'POST /api/v1/workflows/:id/trigger': TriggerAccepted;
  'GET /api/v1/queues': Queues;
  // Workflow versions and templates
  'GET /api/v1/workflows/:id/versions': Page<WorkflowVersion>;
  'POST /api/v1/workflows/:id/webhooks/:key/rotate-secret': RotatedWebhookSecret;
  'GET /api/v1/templates': { items: Template[] };
  'PUT /api/v1/templates': Template;
  'POST /api/v1/templates/preview': TemplatePreview;
  // Stored files (issue 12): a fresh short-lived link for a run's PDF or image.
  'POST /api/v1/files/links': FileLink;
  // Stripe refunds (issue 14)
  'POST /api/v1/refunds/preview': RefundPreview;
  'POST /api/v1/refunds': Refund;
  'GET /api/v1/refunds': Page<Refund>;
}

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** A non-200 answer (or a 200 with another body): `reply(404, problem(...))`. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}
export const reply = (status: number, body?: unknown, headers?: Record<string, string>) => new Reply(status, body, headers);
export const problem = (status: number, title: string, detail?: string, extra: Partial<Problem> = {}): Problem => ({
  type: `/problems/${title.toLowerCase().replace(/\s+/g, '-')}`,
  title,
  status,
  ...(detail ? { detail } : {}),
  ...extra,
});

type Handler<K extends keyof ApiRoutes> = (request: FakeRequest) => ApiRoutes[K] | Reply | Promise<ApiRoutes[K] | Reply>;

/**
 * The API as a test wants it: `api.on('GET /api/v1/runs/:id', ({ params }) => run)`. Every
 * call is recorded in `calls`; a call no handler answers fails the test loudly.
 */
export class FakeApi {
  readonly calls: FakeRequest[] = [];
  private readonly handlers = new Map<string, Handler<keyof ApiRoutes>>();

  on<K extends keyof ApiRoutes>(route: K, handler: Handler<K>): this {
    this.handlers.set(route, handler as Handler<keyof ApiRoutes>);
    return this;
  }

  private pendingOthers = false;

  /** Calls no handler answers stay unanswered (a page in its loading state) instead of failing. */
  leaveOthersPending(): this {
    this.pendingOthers = true;
    return this;
  }

  has(route: keyof ApiRoutes): boolean {
    return this.handlers.has(route);
  }

  /** The calls made to one route (`'POST /api/v1/runs/:id/retry'`). */
  callsTo(route: keyof ApiRoutes): FakeRequest[] {
    const [method, pattern] = route.split(' ');
    return this.calls.filter((c) => c.method === method && match(pattern!, c.path) !== undefined);
  }

  readonly fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://dashboard.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' && init.body.length > 0 ? JSON.parse(init.body) : undefined;
    for (const [route, handler] of this.handlers) {
      const [m, pattern] = route.split(' ');
      const params = m === method ? match(pattern!, url.pathname) : undefined;
      if (!params) continue;
      const request: FakeRequest = { method, path: url.pathname, params, query: url.searchParams, headers: new Headers(init?.headers), body };
      this.calls.push(request);
      const answer = await handler(request);
      const { status, payload, headers } = answer instanceof Reply ? { status: answer.status, payload: answer.body, headers: answer.headers } : { status: 200, payload: answer, headers: {} };
      return new Response(payload === undefined || status === 204 ? null : JSON.stringify(payload), {
        status,
        headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
      });
    }
    if (this.pendingOthers) return new Promise<Response>(() => undefined);
    throw new Error(`the fake API has no handler for ${method} ${url.pathname}${url.search}`);
  });
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/** A workflow as lists show it; `overrides` for what a test is about. */
export function workflowSummary(id: string, name: string, overrides: Partial<WorkflowSummary> = {}): WorkflowSummary {
  return {
    id,
    name,
    description: null,
    enabled: true,
    priority: 'default',
    version: '1.0.0',
    archivedAt: null,
    createdAt: '2026-11-26T00:00:00.000Z',
    updatedAt: '2026-11-26T00:00:00.000Z',
    ...overrides,
  };
}

export function sessionUser(role: UserRole = 'operator', email = `${role}@visa.example`): SessionUser {
  const now = Date.now();
  return {
    kind: 'user',
    id: '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01',
    email,
    role,
    createdAt: '2026-11-26T00:00:00.000Z',
    lastSignInAt: null,
    idleExpiresAt: new Date(now + 30 * 60_000).toISOString(),
    absoluteExpiresAt: new Date(now + 12 * 3_600_000).toISOString(),
  };
}
