import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { queryKeys } from './api/query-keys';
import { App, createQueryClient } from './App';
import { sessionUser } from './test/fake-api';

const health = {
  status: 'error',
  checks: { database: { status: 'up', latencyMs: 1.5 }, redis: { status: 'down', latencyMs: 500, error: 'redis did not answer within 500 ms' } },
};
const dana = { ...sessionUser('operator', 'dana@visa.example'), createdAt: '2026-11-26T00:00:00Z' };

type Handler = (init?: RequestInit) => { status: number; body?: unknown };
let routes: Record<string, Handler>;
let calls: Array<{ url: string; method: string; body?: unknown }>;
let signedIn: boolean;

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

beforeEach(() => {
  localStorage.clear();
  signedIn = true;
  calls = [];
  routes = {
    'GET /healthz': () => ({ status: 503, body: health }),
    'GET /api/v1/auth/me': () =>
      signedIn ? { status: 200, body: dana } : { status: 401, body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401 } },
    'POST /api/v1/auth/magic-link': () => ({ status: 202, body: { status: 'accepted' } }),
    'POST /api/v1/auth/verify': (init) =>
      JSON.parse(String(init?.body)).token === 'good'
        ? ((signedIn = true), { status: 200, body: dana })
        : { status: 401, body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'This sign-in link is used, expired or unknown: ask for a new one.' } },
    'POST /api/v1/auth/logout': () => ((signedIn = false), { status: 204 }),
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ url, method, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const handler = routes[`${method} ${url}`];
      if (!handler) throw new Error(`unexpected ${method} ${url}`);
      const { status, body } = handler(init);
      return json(status, body);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('dashboard shell', () => {
  it('shows the signed-in user, the navigation and the live health of each dependency', async () => {
    render(<App initialPath="/" />);
    expect(await screen.findByRole('heading', { name: 'VisAPI' })).toBeTruthy();
    // The shell draws at once; the navigation follows the user's role.
    expect(await screen.findByRole('link', { name: 'Overview' })).toBeTruthy();
    expect(screen.getByText('dana@visa.example')).toBeTruthy();
    expect(screen.getByLabelText('Role: operator')).toBeTruthy();
    expect(await screen.findByText('answered in 1.5 ms')).toBeTruthy();
    expect(screen.getByText('redis did not answer within 500 ms')).toBeTruthy();
  });

  it('toggles between light and dark, and remembers the choice', async () => {
    render(<App initialPath="/" />);
    const toDark = await screen.findByRole('button', { name: 'Switch to dark mode' });
    act(() => fireEvent.click(toDark));
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('dark');
    expect(localStorage.getItem('mantine-color-scheme-value')).toBe('dark');
    act(() => fireEvent.click(screen.getByRole('button', { name: 'Switch to light mode' })));
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('light');
  });

  it('shows a not-found page for an unknown client route', async () => {
    render(<App initialPath="/no/such/page" />);
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });
});

describe('sign-in', () => {
  it('sends a signed-out visitor to the sign-in page, which asks for a link', async () => {
    signedIn = false;
    render(<App initialPath="/" />);
    const input = await screen.findByLabelText(/Work e-mail/);
    fireEvent.change(input, { target: { value: 'dana@visa.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send me a sign-in link' }));
    expect(await screen.findByText('Check your inbox')).toBeTruthy();
    expect(calls.find((c) => c.url === '/api/v1/auth/magic-link')?.body).toEqual({ email: 'dana@visa.example' });
  });

  it('the callback page spends the token only when the button is pressed, then shows the dashboard', async () => {
    signedIn = false;
    render(<App initialPath="/auth/callback?token=good" />);
    const button = await screen.findByRole('button', { name: 'Sign in' });
    expect(calls.some((c) => c.url === '/api/v1/auth/verify')).toBe(false);
    fireEvent.click(button);
    expect(await screen.findByText('dana@visa.example')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/auth/verify')).toEqual([{ url: '/api/v1/auth/verify', method: 'POST', body: { token: 'good' } }]);
  });

  it('returns to the page that asked for sign-in, once the mailed link is used (in another tab)', async () => {
    signedIn = false;
    const first = render(<App initialPath="/sign-in?next=%2Fworkflows%3Fx%3D1" />);
    fireEvent.change(await screen.findByLabelText(/Work e-mail/), { target: { value: 'dana@visa.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send me a sign-in link' }));
    await screen.findByText('Check your inbox');
    first.unmount();
    routes['GET /api/v1/workflows?limit=200'] = () => ({ status: 200, body: { items: [], nextCursor: null } });
    render(<App initialPath="/auth/callback?token=good" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Workflows', level: 2 })).toBeTruthy();
    expect(localStorage.getItem('visapi-return-to')).toBeNull();
  });

  it('says so when the link is used or expired', async () => {
    signedIn = false;
    render(<App initialPath="/auth/callback?token=stale" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('This sign-in link does not work')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toBeTruthy();
  });

  it('any 401 marks the user signed out, so the shell sends them to sign in', async () => {
    const client = createQueryClient();
    client.setQueryData(queryKeys.me, dana);
    await client
      .fetchQuery({ queryKey: ['runs'], queryFn: () => Promise.reject(new ApiError(401)), retry: false })
      .catch(() => undefined);
    expect(client.getQueryState(queryKeys.me)?.isInvalidated).toBe(true);
  });

  it('signs out and returns to the sign-in page', async () => {
    render(<App initialPath="/" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to VisAPI' })).toBeTruthy();
    expect(calls.some((c) => c.url === '/api/v1/auth/logout' && c.method === 'POST')).toBe(true);
  });
});

// The workflows pages' tests are in features/workflows/workflows.test.tsx.

describe('outbox', () => {
  it('shows sandboxed messages, right-to-left text intact, filtered by connector', async () => {
    const message = (id: string, connector: string, recipient: string, text: string) => ({
      id,
      connector,
      runId: null,
      stepId: 'notify',
      recipient,
      payload: { text },
      createdAt: '2026-11-26T03:00:00.000Z',
    });
    routes['GET /api/v1/outbox?limit=50'] = () => ({
      status: 200,
      body: {
        items: [
          message('00000000-0000-4000-8000-000000000001', 'whatsapp.send', '+972501234567', 'שלום דנה, סטטוס בקשת הוויזה שלך עודכן'),
          message('00000000-0000-4000-8000-000000000002', 'slack.send', '#visa-ops', 'Status update sent to 1 applicant(s)'),
        ],
        nextCursor: null,
      },
    });
    routes['GET /api/v1/outbox?connector=slack.send&limit=50'] = () => ({
      status: 200,
      body: { items: [message('00000000-0000-4000-8000-000000000002', 'slack.send', '#visa-ops', 'Status update sent to 1 applicant(s)')], nextCursor: null },
    });
    render(<App initialPath="/outbox" />);
    expect(await screen.findByText('שלום דנה, סטטוס בקשת הוויזה שלך עודכן')).toBeTruthy();
    expect(screen.getByText('+972501234567')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Slack' }));
    await act(async () => undefined);
    await screen.findByText('#visa-ops');
    expect(await screen.findByText('Status update sent to 1 applicant(s)')).toBeTruthy();
    expect(screen.queryByText('+972501234567')).toBeNull();
  });
});
