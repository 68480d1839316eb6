import { render } from '@testing-library/react';
import type { SessionUser, UserRole } from '@visapi/contracts';
import { vi } from 'vitest';
import { App, createAppState } from '../App';
import { FakeApi, problem, reply, sessionUser } from './fake-api';
import { FakeEventSource } from './fake-event-source';

export interface RenderAppOptions {
  /** The signed-in user's role; `null` for nobody signed in. */
  role?: UserRole | null;
  user?: SessionUser;
  api?: FakeApi;
}

/**
 * The whole app at a path, against a fake API (answering /auth/me and /healthz unless the
 * test says otherwise) and a fake event stream; test-setup.ts unmounts and unstubs after each test.
 */
export function renderApp(path: string, { role = 'operator', user, api = new FakeApi() }: RenderAppOptions = {}) {
  const me = user ?? (role ? sessionUser(role) : undefined);
  if (!api.has('GET /api/v1/auth/me')) {
    api.on('GET /api/v1/auth/me', () => me ?? reply(401, problem(401, 'Unauthorized')));
  }
  if (!api.has('GET /healthz')) {
    api.on('GET /healthz', () => ({ status: 'ok', checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 1 } } }));
  }
  FakeEventSource.instances = [];
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('EventSource', FakeEventSource);
  const state = createAppState(path);
  const result = render(<App state={state} />);
  return { ...result, api, user: me, router: state.router, events: () => FakeEventSource.last() };
}
