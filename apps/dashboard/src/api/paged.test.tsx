import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, renderHook, screen, waitFor } from '@testing-library/react';
import type { OutboxMessage } from '@visapi/contracts';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { usePagedList } from './paged';
import { FakeApi } from '../test/fake-api';
import { renderApp } from '../test/render-app';

const message = (n: number): OutboxMessage => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  connector: 'slack.send',
  runId: null,
  stepId: 'notify',
  recipient: '#ops',
  payload: { text: `message ${n}` },
  createdAt: '2026-11-30T03:00:00.000Z',
});

describe('usePagedList', () => {
  it('the first page and "Load more" are the user’s requests (they keep the session alive), with limit and cursor', async () => {
    const api = new FakeApi().on('GET /api/v1/outbox', ({ query }) =>
      query.get('cursor') === 'next' ? { items: [message(1)], nextCursor: null } : { items: [message(2)], nextCursor: 'next' },
    );
    renderApp('/outbox', { role: 'viewer', api });
    await screen.findByText('message 2');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('message 1');
    const calls = api.callsTo('GET /api/v1/outbox');
    expect(calls.map((c) => Object.fromEntries(c.query))).toEqual([{ limit: '50' }, { limit: '50', cursor: 'next' }]);
    expect(calls.map((c) => c.headers.get('x-visapi-background'))).toEqual([null, null]);
  });
});

describe('usePagedList refetches', () => {
  it('a refetch of every page shown (polling, invalidation) is background, the pages after the first too', async () => {
    const api = new FakeApi().on('GET /api/v1/outbox', ({ query }) =>
      query.get('cursor') === 'next' ? { items: [message(1)], nextCursor: null } : { items: [message(2)], nextCursor: 'next' },
    );
    vi.stubGlobal('fetch', api.fetch);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => usePagedList<OutboxMessage>(['outbox-test'], '/api/v1/outbox'), { wrapper });
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    await act(async () => {
      await result.current.query.fetchNextPage();
    });
    await act(async () => {
      await result.current.query.refetch();
    });
    const calls = api.callsTo('GET /api/v1/outbox');
    expect(calls.map((c) => [c.query.get('cursor'), c.headers.get('x-visapi-background')])).toEqual([
      [null, null],
      ['next', null],
      [null, '1'],
      ['next', '1'],
    ]);
  });
});

describe('usePagedList items', () => {
  it('are the same array across re-renders until the data changes (DataTable defers rows by identity)', async () => {
    const api = new FakeApi().on('GET /api/v1/outbox', () => ({ items: [message(1)], nextCursor: null }));
    vi.stubGlobal('fetch', api.fetch);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result, rerender } = renderHook(() => usePagedList<OutboxMessage>(['outbox-identity'], '/api/v1/outbox'), { wrapper });
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    const items = result.current.items;
    rerender();
    rerender();
    expect(result.current.items).toBe(items);
  });
});
