import { act, configure, fireEvent, renderHook, screen, waitFor, within } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ApiKey, CreatedApiKey } from '@visapi/contracts';
import type { ReactNode } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useCreateApiKey } from '../../api/api-keys';
import { createQueryClient } from '../../App';
import { FakeApi, problem, reply } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';
import { formatDateTime } from '../../lib/format';

// Pages load lazily: the first render of one may take a while on a busy machine.
configure({ asyncUtilTimeout: 5_000 });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function apiKey(id: number, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    label: `key ${id}`,
    prefix: `pre${id}abcd`,
    scopes: ['read_runs'],
    rateLimit: null,
    expiresAt: iso(30 * DAY),
    createdAt: iso(-10 * DAY),
    lastUsedAt: null,
    revokedAt: null,
    previousSecretExpiresAt: null,
    ...overrides,
  };
}

const partner = apiKey(1, { label: 'partner-portal', scopes: ['trigger', 'read_runs'], lastUsedAt: iso(-3 * 60_000) });
const rotated = apiKey(2, { label: 'billing', previousSecretExpiresAt: iso(5 * HOUR) });
const expired = apiKey(3, { label: 'old-export', expiresAt: iso(-DAY) });
const revoked = apiKey(4, { label: 'leaked', revokedAt: iso(-2 * DAY) });
const secret = 'vk_newkey01_3kVd9QmZr7TxWb2LpN8sYc4HfJ6gAe1UoXi5RtKw';

function keysApi(keys: ApiKey[] = [partner, rotated, expired, revoked]) {
  return new FakeApi().on('GET /api/v1/api-keys', () => ({ items: keys, nextCursor: null }));
}

const created = (body: Partial<CreatedApiKey> = {}): CreatedApiKey => ({ ...apiKey(9, { label: 'ci-runner', prefix: 'newkey01' }), key: secret, ...body });

/** A stand-in for the browser's clipboard, which jsdom lacks. */
function stubClipboard() {
  const writeText = vi.fn(async (_text: string) => undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  return writeText;
}

const row = (label: string) => screen.getByText(label, { selector: 'td' }).closest('tr')!;

describe('API keys page', () => {
  it('lists every key with its scopes, state, expiry, last use and rotation grace, for an admin', async () => {
    renderApp('/api-keys', { role: 'admin', api: keysApi() });
    expect(await screen.findByRole('heading', { name: 'API keys', level: 2 })).toBeTruthy();
    expect(await screen.findByRole('table', { name: 'API keys, newest first' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'API keys' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Users & roles' })).toBeTruthy();

    const first = within(row('partner-portal'));
    expect(first.getByText('vk_pre1abcd_…')).toBeTruthy();
    expect(first.getByText('trigger')).toBeTruthy();
    expect(first.getByText('read_runs')).toBeTruthy();
    expect(first.getByText('active')).toBeTruthy();
    const lastUsed = first.getByText('3 minutes ago');
    expect(lastUsed.getAttribute('title')).toBe(formatDateTime(partner.lastUsedAt));
    expect(first.getByRole('button', { name: 'Rotate partner-portal (vk_pre1abcd)' })).toBeTruthy();

    expect(within(row('billing')).getByText(/Previous secret valid until/)).toBeTruthy();
    expect(within(row('old-export')).getByText('expired')).toBeTruthy();
    expect(within(row('old-export')).queryByRole('button', { name: /Rotate/ })).toBeNull();
    expect(within(row('old-export')).getByRole('button', { name: /Revoke/ })).toBeTruthy();
    expect(within(row('leaked')).getByText('revoked')).toBeTruthy();
    expect(within(row('leaked')).queryByRole('button')).toBeNull();
    expect(within(row('leaked')).getByText('never')).toBeTruthy();
  });

  it.each(['operator', 'viewer'] as const)('is neither listed for nor shown to the role %s', async (role) => {
    const api = keysApi();
    renderApp('/api-keys', { role, api });
    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'API keys' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Users & roles' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Overview' })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/api-keys')).toEqual([]);
  });

  it('says when there are no keys', async () => {
    renderApp('/api-keys', { role: 'admin', api: keysApi([]) });
    expect(await screen.findByText('No API keys yet.')).toBeTruthy();
  });

  it('shows a list the API refuses, with its problem', async () => {
    const api = new FakeApi().on('GET /api/v1/api-keys', () => reply(403, problem(403, 'Forbidden', 'This needs the admin role.')));
    renderApp('/api-keys', { role: 'admin', api });
    expect(await screen.findByText('Cannot load API keys')).toBeTruthy();
    expect(screen.getByText('This needs the admin role.')).toBeTruthy();
  });
});

describe('creating a key', () => {
  let writeText: ReturnType<typeof stubClipboard>;
  beforeEach(() => {
    writeText = stubClipboard();
  });

  const openForm = async () => {
    fireEvent.click(await screen.findByRole('button', { name: 'Create API key' }));
    return screen.findByRole('dialog', { name: 'Create an API key' });
  };

  it('sends the form, shows the key once with a copy button, and forgets it when closed', async () => {
    const api = keysApi([partner]).on('POST /api/v1/api-keys', () => reply(201, created()));
    renderApp('/api-keys', { role: 'admin', api });
    const dialog = within(await openForm());
    expect(dialog.getByText('Start runs: webhooks sent with the key, manual triggers')).toBeTruthy();
    fireEvent.change(dialog.getByLabelText(/Label/), { target: { value: 'ci-runner' } });
    fireEvent.click(dialog.getByLabelText(/^trigger/));
    fireEvent.click(dialog.getByLabelText(/^read_runs/));
    fireEvent.change(dialog.getByLabelText(/Expires in \(days\)/), { target: { value: '30' } });
    fireEvent.change(dialog.getByLabelText('Burst'), { target: { value: '50' } });
    fireEvent.change(dialog.getByLabelText('Requests per second'), { target: { value: '0.5' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Create key' }));

    const shown = within(await screen.findByRole('dialog', { name: 'Your new API key' }));
    expect(api.callsTo('POST /api/v1/api-keys').map((c) => c.body)).toEqual([
      { label: 'ci-runner', scopes: ['trigger', 'read_runs'], expiresInDays: 30, rateLimit: { burst: 50, perSecond: 0.5 } },
    ]);
    expect(shown.getByText(secret)).toBeTruthy();
    expect(shown.getByText('Copy this key now: you will not see it again.')).toBeTruthy();
    fireEvent.click(shown.getByRole('button', { name: 'Copy key' }));
    expect(await shown.findByRole('button', { name: 'Copied' })).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith(secret);
    await waitFor(() => expect(api.callsTo('GET /api/v1/api-keys').length).toBe(2)); // the list refreshed

    fireEvent.click(shown.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByText(secret)).toBeNull());
    // Opening the dialog again shows an empty form, not the old key.
    const again = within(await openForm());
    expect((again.getByLabelText(/Label/) as HTMLInputElement).value).toBe('');
    expect(document.body.textContent).not.toContain(secret);
  }, 20_000);

  it('keeps the key in no cache once the dialog has let it go', async () => {
    vi.stubGlobal('fetch', keysApi().on('POST /api/v1/api-keys', () => reply(201, created())).fetch);
    const client = createQueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useCreateApiKey(), { wrapper });
    act(() => result.current.mutate({ label: 'ci-runner', scopes: ['trigger'] }));
    await waitFor(() => expect(result.current.data?.key).toBe(secret));
    const cached = () => JSON.stringify([client.getMutationCache().getAll().map((m) => m.state), client.getQueryCache().getAll().map((q) => q.state)]);
    expect(cached()).toContain(secret);
    act(() => result.current.reset()); // what closing the dialog does
    await waitFor(() => expect(cached()).not.toContain(secret));
  });

  it('blocks a bad form before sending it', async () => {
    const api = keysApi([partner]).on('POST /api/v1/api-keys', () => reply(201, created()));
    renderApp('/api-keys', { role: 'admin', api });
    const dialog = within(await openForm());
    fireEvent.change(dialog.getByLabelText(/Expires in \(days\)/), { target: { value: '400' } });
    fireEvent.change(dialog.getByLabelText('Burst'), { target: { value: '10' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Create key' }));
    expect(await dialog.findByText('Give the key a label of up to 100 characters.')).toBeTruthy();
    expect(dialog.getByText('Choose at least one scope.')).toBeTruthy();
    expect(dialog.getByText('A whole number of days from 1 to 365.')).toBeTruthy();
    expect(dialog.getByText(/^A number above 0, up to 100,000/)).toBeTruthy();
    expect(api.callsTo('POST /api/v1/api-keys')).toEqual([]);
  });

  it('shows the server’s refusals: field errors (400) and scopes the caller lacks (403)', async () => {
    let answer = reply(400, problem(400, 'Validation failed', undefined, { errors: [{ path: '$.label', message: 'label is already in use' }] }));
    const api = keysApi([partner]).on('POST /api/v1/api-keys', () => answer);
    renderApp('/api-keys', { role: 'admin', api });
    const dialog = within(await openForm());
    fireEvent.change(dialog.getByLabelText(/Label/), { target: { value: 'ci-runner' } });
    fireEvent.click(dialog.getByLabelText(/^manage_keys/));
    fireEvent.click(dialog.getByRole('button', { name: 'Create key' }));
    expect(await dialog.findByText('Key not created')).toBeTruthy();
    expect(dialog.getByText('$.label')).toBeTruthy();
    expect(dialog.getByText('label is already in use')).toBeTruthy();

    answer = reply(403, problem(403, 'Forbidden', 'An API key cannot grant scopes it does not hold itself: manage_keys.'));
    fireEvent.click(dialog.getByRole('button', { name: 'Create key' }));
    expect(await dialog.findByText('An API key cannot grant scopes it does not hold itself: manage_keys.')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/api-keys')).toHaveLength(2);
    expect(screen.queryByRole('dialog', { name: 'Your new API key' })).toBeNull();
  });
});

describe('rotating and revoking', () => {
  it('rotates with the grace period asked for and shows the new key once', async () => {
    const writeText = stubClipboard();
    const rotatedSecret = 'vk_pre1abcd_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4';
    const api = keysApi([partner]).on('POST /api/v1/api-keys/:id/rotate', ({ params }) =>
      reply(201, { ...partner, id: params.id!, previousSecretExpiresAt: iso(48 * HOUR), key: rotatedSecret }),
    );
    renderApp('/api-keys', { role: 'admin', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Rotate partner-portal (vk_pre1abcd)' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Rotate API key' }));
    expect(dialog.getByText('partner-portal (vk_pre1abcd_…)')).toBeTruthy();
    const grace = dialog.getByLabelText(/Grace period \(hours\)/) as HTMLInputElement;
    expect(grace.value).toBe('24');

    fireEvent.change(grace, { target: { value: '200' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Rotate key' }));
    expect(await dialog.findByText('A whole number of hours from 0 to 168.')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/api-keys/:id/rotate')).toEqual([]);

    fireEvent.change(grace, { target: { value: '48' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Rotate key' }));
    const shown = within(await screen.findByRole('dialog', { name: 'Your new API key' }));
    expect(api.callsTo('POST /api/v1/api-keys/:id/rotate').map((c) => [c.params.id, c.body])).toEqual([[partner.id, { graceHours: 48 }]]);
    expect(shown.getByText(rotatedSecret)).toBeTruthy();
    fireEvent.click(shown.getByRole('button', { name: 'Copy key' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(rotatedSecret));
    fireEvent.click(shown.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByText(rotatedSecret)).toBeNull());
  });

  it('shows why a rotation was refused', async () => {
    const api = keysApi([partner]).on('POST /api/v1/api-keys/:id/rotate', () => reply(404, problem(404, 'Not found', 'No active API key has this id.')));
    renderApp('/api-keys', { role: 'admin', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Rotate partner-portal (vk_pre1abcd)' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Rotate API key' }));
    fireEvent.click(dialog.getByRole('button', { name: 'Rotate key' }));
    expect(await dialog.findByText('No active API key has this id.')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/api-keys/:id/rotate')[0]?.body).toEqual({ graceHours: 24 });
  });

  it('revokes a key after a confirmation that names it, and refreshes the list', async () => {
    let keys = [partner];
    const api = new FakeApi()
      .on('GET /api/v1/api-keys', () => ({ items: keys, nextCursor: null }))
      .on('DELETE /api/v1/api-keys/:id', ({ params }) => {
        keys = keys.map((k) => (k.id === params.id ? { ...k, revokedAt: new Date().toISOString() } : k));
        return reply(204);
      });
    renderApp('/api-keys', { role: 'admin', api });
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke partner-portal (vk_pre1abcd)' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke API key' }));
    expect(dialog.getByText('partner-portal')).toBeTruthy();
    expect(dialog.getByText('vk_pre1abcd_…')).toBeTruthy();
    expect(api.callsTo('DELETE /api/v1/api-keys/:id')).toEqual([]);
    fireEvent.click(dialog.getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Revoke API key' })).toBeNull());
    expect(api.callsTo('DELETE /api/v1/api-keys/:id').map((c) => c.params.id)).toEqual([partner.id]);
    expect(await within(row('partner-portal')).findByText('revoked')).toBeTruthy();
    await act(async () => undefined);
    expect(within(row('partner-portal')).queryByRole('button')).toBeNull();
  });
});
