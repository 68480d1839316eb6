import { act, configure, fireEvent, screen, within } from '@testing-library/react';
import { BACKGROUND_HEADER, type User } from '@visapi/contracts/auth';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeApi, type FakeRequest, problem, reply, sessionUser } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// Pages load lazily: the first render of one may take a while on a busy machine.
configure({ asyncUtilTimeout: 5_000 });

const MINUTE = 60_000;

/** Fake clocks for the timers and Date; they also move with real time, so the app's fetches and lazy pages settle. */
beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
const isBackground = (call: FakeRequest) => call.headers.get(BACKGROUND_HEADER) === '1';
const warning = () => screen.queryByRole('alertdialog', { name: 'Are you still there?' });

const dana: User = { id: '00000000-0000-4000-8000-0000000000d1', email: 'dana@visa.example', role: 'viewer', createdAt: '2026-11-20T09:00:00.000Z', lastSignInAt: null };

/**
 * The server's session as SPEC §3.3 has it: it ends 30 minutes after the last request that was
 * not a background one (noted at most once a minute); then /auth/me answers 401.
 */
function session({ absoluteInMs = 12 * 60 * MINUTE } = {}) {
  const me = { ...sessionUser('admin', 'ada@visa.example'), absoluteExpiresAt: new Date(Date.now() + absoluteInMs).toISOString() };
  let lastSeen = Date.now();
  const seen = (request: FakeRequest) => {
    if (!isBackground(request) && Date.now() - lastSeen >= MINUTE) lastSeen = Date.now();
  };
  const api = new FakeApi()
    .on('GET /api/v1/auth/me', (request) => {
      if (Date.now() >= Math.min(lastSeen + 30 * MINUTE, Date.parse(me.absoluteExpiresAt))) return reply(401, problem(401, 'Unauthorized'));
      seen(request);
      return { ...me, idleExpiresAt: new Date(lastSeen + 30 * MINUTE).toISOString() };
    })
    .on('GET /api/v1/users', () => ({ items: [dana], nextCursor: null }))
    .on('PATCH /api/v1/users/:id', (request) => {
      seen(request);
      return { ...dana, role: (request.body as { role: User['role'] }).role };
    });
  return { api, deadline: () => lastSeen + 30 * MINUTE, meCalls: () => api.callsTo('GET /api/v1/auth/me') };
}

async function openUsersPage(api: FakeApi) {
  renderApp('/users', { api });
  await screen.findByRole('table', { name: 'Dashboard users and their roles' });
}

describe('idle-timeout warning', () => {
  it('appears a minute before the idle limit, counts down, and "Stay signed in" extends the session', async () => {
    const { api, deadline, meCalls } = session();
    await openUsersPage(api);
    const firstDeadline = deadline();
    await advance(firstDeadline - MINUTE - Date.now() - 1_000);
    expect(warning()).toBeNull();
    const before = meCalls().length;

    await advance(1_000);
    const dialog = await screen.findByRole('alertdialog', { name: 'Are you still there?' });
    // Checking the limit is a background read: it must not itself extend the session.
    expect(meCalls().slice(before).every(isBackground)).toBe(true);
    expect(meCalls().length).toBeGreaterThan(before);
    expect(deadline()).toBe(firstDeadline);
    expect(within(dialog).getByText('You will be signed out in 1:00 for inactivity.')).toBeTruthy();
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Stay signed in' }));
    await advance(1_000);
    expect(within(dialog).getByText('You will be signed out in 0:59 for inactivity.')).toBeTruthy();
    await advance(30_000);
    expect(within(dialog).getByText('You will be signed out in 0:29 for inactivity.')).toBeTruthy();

    const beforeStay = meCalls().length;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Stay signed in' }));
    await vi.waitFor(() => expect(warning()).toBeNull());
    expect(meCalls().slice(beforeStay).map(isBackground)).toEqual([false]);
    expect(deadline()).toBeGreaterThan(firstDeadline + 20 * MINUTE);

    // The timer follows the new limit: nothing at the old one, a warning before the new one.
    await advance(firstDeadline + MINUTE - Date.now());
    expect(warning()).toBeNull();
    expect(screen.getByRole('heading', { name: 'Users & roles' })).toBeTruthy();
    await advance(deadline() - MINUTE - Date.now());
    expect(await screen.findByRole('alertdialog', { name: 'Are you still there?' })).toBeTruthy();
  }, 20_000);

  it('signs the user out when the limit passes', async () => {
    const { api, deadline } = session();
    await openUsersPage(api);
    await advance(deadline() - MINUTE - Date.now());
    expect(await screen.findByRole('alertdialog', { name: 'Are you still there?' })).toBeTruthy();
    await advance(MINUTE);
    expect(await screen.findByRole('heading', { name: 'Sign in to VisAPI' })).toBeTruthy();
    expect(warning()).toBeNull();
  }, 20_000);

  it('gives no warning that could not help when the 12-hour limit comes first, and signs out at it', async () => {
    const { api, meCalls } = session({ absoluteInMs: 10 * MINUTE });
    await openUsersPage(api);
    const before = meCalls().length;
    await advance(9 * MINUTE + 30_000);
    expect(meCalls().length).toBe(before);
    expect(warning()).toBeNull();
    await advance(30_000);
    expect(await screen.findByRole('heading', { name: 'Sign in to VisAPI' })).toBeTruthy();
  }, 20_000);

  it('"Sign out" ends the session at once', async () => {
    const { api, deadline } = session();
    api.on('POST /api/v1/auth/logout', () => reply(204));
    await openUsersPage(api);
    await advance(deadline() - MINUTE - Date.now());
    fireEvent.click(within(await screen.findByRole('alertdialog', { name: 'Are you still there?' })).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to VisAPI' })).toBeTruthy();
    expect(api.callsTo('POST /api/v1/auth/logout')).toHaveLength(1);
  }, 20_000);

  it('stays away when the session was extended elsewhere (another tab)', async () => {
    const { api, deadline } = session();
    await openUsersPage(api);
    const first = deadline();
    // Activity in another tab: the server's limit moves, this tab does not know yet.
    const extended = { ...sessionUser('admin', 'ada@visa.example'), idleExpiresAt: new Date(first + 10 * MINUTE).toISOString() };
    api.on('GET /api/v1/auth/me', () => extended);
    await advance(first - MINUTE - Date.now());
    await advance(100);
    expect(warning()).toBeNull();
    await advance(first + MINUTE - Date.now());
    expect(warning()).toBeNull();
    expect(screen.getByRole('heading', { name: 'Users & roles' })).toBeTruthy();
  }, 20_000);

  it('after a change the user makes, reads the new limit in the background (at most once a minute) and follows it', async () => {
    const { api, deadline, meCalls } = session();
    await openUsersPage(api);
    const first = deadline();
    await advance(5 * MINUTE);
    const changeRole = async (role: string) => {
      fireEvent.change(screen.getByLabelText('Role of dana@visa.example'), { target: { value: role } });
      fireEvent.click(within(await screen.findByRole('dialog', { name: 'Change role' })).getByRole('button', { name: 'Change role' }));
      await vi.waitFor(() => expect(screen.queryByRole('dialog', { name: 'Change role' })).toBeNull());
    };
    const before = meCalls().length;
    await changeRole('operator');
    await vi.waitFor(() => expect(meCalls().length).toBe(before + 1));
    expect(isBackground(meCalls().at(-1)!)).toBe(true);
    expect(deadline()).toBeGreaterThanOrEqual(first + 5 * MINUTE);
    await changeRole('admin');
    await advance(100);
    expect(meCalls().length).toBe(before + 1);

    // The timer moved with the limit: no check and no warning a minute before the old one.
    await advance(first - MINUTE / 2 - Date.now());
    expect(meCalls().length).toBe(before + 1);
    expect(warning()).toBeNull();
    await advance(deadline() - MINUTE - Date.now());
    expect(await screen.findByRole('alertdialog', { name: 'Are you still there?' })).toBeTruthy();
  }, 20_000);
});
