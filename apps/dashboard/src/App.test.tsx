import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';

const healthy = {
  status: 'ok',
  checks: { database: { status: 'up', latencyMs: 1.5 }, redis: { status: 'down', latencyMs: 500, error: 'redis did not answer within 500 ms' } },
};

beforeEach(() => {
  localStorage.clear();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      expect(url).toBe('/healthz');
      return new Response(JSON.stringify(healthy), { status: 503, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('dashboard shell', () => {
  it('shows the navigation and the live health of each dependency', async () => {
    render(<App initialPath="/" />);
    expect(await screen.findByRole('heading', { name: 'VisAPI' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Overview' })).toBeTruthy();
    expect(await screen.findByText('answered in 1.5 ms')).toBeTruthy();
    expect(screen.getByText('redis did not answer within 500 ms')).toBeTruthy();
  });

  it('toggles between light and dark, and remembers the choice', async () => {
    render(<App initialPath="/" />);
    const toLight = await screen.findByRole('button', { name: 'Switch to dark mode' });
    act(() => fireEvent.click(toLight));
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
