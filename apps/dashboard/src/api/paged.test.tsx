import { fireEvent, screen } from '@testing-library/react';
import type { OutboxMessage } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
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
