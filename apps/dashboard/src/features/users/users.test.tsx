import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { User } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { FakeApi, problem, reply, sessionUser } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// Pages load lazily: the first render of one may take a while on a busy machine.
configure({ asyncUtilTimeout: 5_000 });

const me = sessionUser('admin', 'ada@visa.example');
const self: User = { id: me.id, email: me.email, role: 'admin', createdAt: me.createdAt, lastSignInAt: new Date(Date.now() - 60_000).toISOString() };
const dana: User = { id: '00000000-0000-4000-8000-0000000000d1', email: 'dana@visa.example', role: 'viewer', createdAt: '2026-11-20T09:00:00.000Z', lastSignInAt: null };
const omer: User = { id: '00000000-0000-4000-8000-0000000000d2', email: 'omer@visa.example', role: 'operator', createdAt: '2026-11-21T09:00:00.000Z', lastSignInAt: new Date(Date.now() - 2 * 3_600_000).toISOString() };

function usersApi(users: User[] = [self, dana, omer]) {
  return new FakeApi().on('GET /api/v1/users', () => ({ items: users, nextCursor: null }));
}

const row = (email: string) => screen.getByText(email, { selector: 'td' }).closest('tr')!;
const roleSelect = (email: string) => screen.getByLabelText(`Role of ${email}`) as HTMLSelectElement;

describe('users & roles page', () => {
  it('lists users with their role, creation and last sign-in, and says how new users appear', async () => {
    renderApp('/users', { user: me, api: usersApi() });
    expect(await screen.findByRole('heading', { name: 'Users & roles', level: 2 })).toBeTruthy();
    expect(await screen.findByRole('table', { name: 'Dashboard users and their roles' })).toBeTruthy();
    expect(screen.getByText(/appear here after their first sign-in with a magic link/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Users & roles' })).toBeTruthy();
    expect(roleSelect('dana@visa.example').value).toBe('viewer');
    expect(roleSelect('omer@visa.example').value).toBe('operator');
    expect(within(row('dana@visa.example')).getByText('never')).toBeTruthy();
    expect(within(row('omer@visa.example')).getByText('2 hours ago').getAttribute('title')).toBeTruthy();
  });

  it('does not let the signed-in admin change their own role, and says why', async () => {
    renderApp('/users', { user: me, api: usersApi() });
    await screen.findByRole('table', { name: 'Dashboard users and their roles' });
    const own = roleSelect('ada@visa.example');
    expect(own.disabled).toBe(true);
    expect(own.value).toBe('admin');
    const explanation = document.getElementById(own.getAttribute('aria-describedby')!.split(' ')[0]!);
    expect(explanation?.textContent).toBe('You cannot change your own role');
    expect(roleSelect('dana@visa.example').disabled).toBe(false);
  });

  it('changes a role after a confirmation, and refreshes the list', async () => {
    let users = [self, dana, omer];
    const api = new FakeApi()
      .on('GET /api/v1/users', () => ({ items: users, nextCursor: null }))
      .on('PATCH /api/v1/users/:id', ({ params, body }) => {
        users = users.map((u) => (u.id === params.id ? { ...u, role: (body as { role: User['role'] }).role } : u));
        return users.find((u) => u.id === params.id)!;
      });
    renderApp('/users', { user: me, api });
    await screen.findByRole('table', { name: 'Dashboard users and their roles' });

    fireEvent.change(roleSelect('dana@visa.example'), { target: { value: 'admin' } });
    const cancelled = within(await screen.findByRole('dialog', { name: 'Change role' }));
    fireEvent.click(cancelled.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Change role' })).toBeNull());
    expect(roleSelect('dana@visa.example').value).toBe('viewer');

    fireEvent.change(roleSelect('dana@visa.example'), { target: { value: 'operator' } });
    const dialog = within(await screen.findByRole('dialog', { name: 'Change role' }));
    expect(dialog.getByText(/Make dana@visa.example/).textContent).toContain('an operator instead of a viewer');
    expect(api.callsTo('PATCH /api/v1/users/:id')).toEqual([]);
    fireEvent.click(dialog.getByRole('button', { name: 'Change role' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Change role' })).toBeNull());
    expect(api.callsTo('PATCH /api/v1/users/:id').map((c) => [c.params.id, c.body])).toEqual([[dana.id, { role: 'operator' }]]);
    await waitFor(() => expect(roleSelect('dana@visa.example').value).toBe('operator'));
    expect(api.callsTo('GET /api/v1/users').length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    [403, 'Forbidden', 'This needs the admin role.'],
    [404, 'Not found', 'No user has this id.'],
  ] as const)('shows a %i refusal of a role change with its problem', async (status, title, detail) => {
    const api = usersApi().on('PATCH /api/v1/users/:id', () => reply(status, problem(status, title, detail)));
    renderApp('/users', { user: me, api });
    await screen.findByRole('table', { name: 'Dashboard users and their roles' });
    fireEvent.change(roleSelect('omer@visa.example'), { target: { value: 'viewer' } });
    const dialog = within(await screen.findByRole('dialog', { name: 'Change role' }));
    fireEvent.click(dialog.getByRole('button', { name: 'Change role' }));
    expect(await dialog.findByText(detail)).toBeTruthy();
    expect(dialog.getByText('Role not changed')).toBeTruthy();
    expect(roleSelect('omer@visa.example').value).toBe('operator');
  });

  it('shows a list the API refuses', async () => {
    const api = new FakeApi().on('GET /api/v1/users', () => reply(403, problem(403, 'Forbidden', 'This needs the admin role.')));
    renderApp('/users', { user: me, api });
    expect(await screen.findByText('Cannot load users')).toBeTruthy();
    expect(screen.getByText('This needs the admin role.')).toBeTruthy();
  });

  it.each(['operator', 'viewer'] as const)('is neither listed for nor shown to the role %s', async (role) => {
    const api = usersApi();
    renderApp('/users', { role, api });
    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Users & roles' })).toBeNull();
    expect(api.callsTo('GET /api/v1/users')).toEqual([]);
  });
});
