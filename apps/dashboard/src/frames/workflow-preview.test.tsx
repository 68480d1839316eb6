import fs from 'node:fs';
import path from 'node:path';
import { screen } from '@testing-library/react';
import type { Workflow } from '@visapi/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { askEarly, takeEarlyAnswer } from '../api/early-answers';
import { getJson } from '../api/client';
import { FakeApi, problem, reply, workflowSummary } from '../test/fake-api';
import { renderApp } from '../test/render-app';
import { paintWorkflow, previewWorkflow } from './workflow-preview';

const html = fs.readFileSync(path.resolve(__dirname, '../../index.html'), 'utf8');
const shellMarkup = /<div id="root">([\s\S]*?)<\/div>\s*<script/.exec(html)![1]!;

const workflowId = '5b0e7a2c-3c1e-4d8f-9a51-0b6f2f6c1d11';
const workflow = {
  ...workflowSummary(workflowId, 'Visa <img src=x onerror=alert(1)> approved', { description: 'Tells the applicant & the partner' }),
  definition: { name: 'Visa approved', version: '1.0.0', triggers: [{ type: 'manual' }], steps: [{ id: 'wait', type: 'delay', config: { ms: 10 } }] },
  webhooks: [],
} as unknown as Workflow;

function shellDocument(): Document {
  const doc = document.implementation.createHTMLDocument('shell');
  doc.body.innerHTML = `<div id="root">${shellMarkup}</div>`;
  return doc;
}
const shellMain = (doc: Document) => doc.querySelector('main.shell-main')!;

afterEach(() => {
  // An answer a test left untaken must not reach the next test.
  takeEarlyAnswer(`/api/v1/workflows/${workflowId}`);
  vi.useRealTimers();
});

describe('the workflow page’s preview in the shell', () => {
  it('paints the name, description and definition as text, in the page’s order; the app takes the same answer and shows the same text', async () => {
    const api = new FakeApi().on('GET /api/v1/workflows/:id', () => workflow).on('GET /api/v1/workflows/:id/versions', () => ({ items: [], nextCursor: null }));
    const doc = shellDocument();
    await previewWorkflow(doc, `/workflows/${workflowId}`, api.fetch);

    const main = shellMain(doc);
    expect([...main.children].map((node) => node.tagName)).toEqual(['H2', 'P', 'P', 'PRE']);
    expect(main.querySelector('h2')!.textContent).toBe(workflow.name);
    expect(main.querySelector('img')).toBeNull();
    expect(main.children[1]!.textContent).toBe(workflow.description);
    const preview = main.querySelector('pre.shell-definition')!.textContent;
    expect(preview).toBe(JSON.stringify(workflow.definition, null, 2));
    // Still the shell: busy until the app replaces it.
    expect(main.getAttribute('aria-busy')).toBe('true');

    renderApp(`/workflows/${workflowId}`, { role: 'viewer', api });
    const view = await screen.findByRole('region', { name: 'Workflow definition (JSON), read-only' });
    expect(view.textContent).toBe(preview);
    expect(screen.getByRole('heading', { level: 2, name: workflow.name })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(1);
  });

  it('paints nothing for an answer other than 200, and the app gets that answer as its own', async () => {
    const api = new FakeApi().on('GET /api/v1/workflows/:id', () => reply(404, problem(404, 'Workflow not found')));
    const doc = shellDocument();
    const before = shellMain(doc).innerHTML;
    await previewWorkflow(doc, `/workflows/${workflowId}`, api.fetch);
    expect(shellMain(doc).innerHTML).toBe(before);
    vi.stubGlobal('fetch', api.fetch);
    await expect(getJson(`/api/v1/workflows/${workflowId}`)).rejects.toMatchObject({ status: 404, message: 'Workflow not found' });
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(1);
  });

  it('paints nothing once the app has rendered (the shell is gone), and nothing when the request fails', async () => {
    const rendered = document.implementation.createHTMLDocument('app');
    rendered.body.innerHTML = '<div id="root"><main><h2>Partner status</h2></main></div>';
    expect(paintWorkflow(rendered, workflow)).toBe(false);
    expect(rendered.body.innerHTML).toBe('<div id="root"><main><h2>Partner status</h2></main></div>');

    const doc = shellDocument();
    const before = shellMain(doc).innerHTML;
    await previewWorkflow(doc, `/workflows/${workflowId}`, () => Promise.reject(new TypeError('Failed to fetch')));
    expect(shellMain(doc).innerHTML).toBe(before);
  });

  it('asks for nothing on any other page', async () => {
    const fetchImpl = vi.fn<typeof fetch>();
    for (const page of ['/', '/workflows', `/workflows/${workflowId}/versions`, `/runs/${workflowId}`, '/workflows/not-a-uuid', '/workflows/%2e%2e%2fapi-keys']) {
      await previewWorkflow(shellDocument(), page, fetchImpl);
    }
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe('early answers', () => {
  const answer = () => Promise.resolve(new Response('{}'));

  it('are taken once', () => {
    void askEarly('/api/v1/queues', answer);
    expect(takeEarlyAnswer('/api/v1/queues')).toBeDefined();
    expect(takeEarlyAnswer('/api/v1/queues')).toBeUndefined();
  });

  it('are not taken after 10 s (the data may have changed), nor kept', () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    void askEarly('/api/v1/queues', answer);
    vi.setSystemTime(new Date('2026-11-30T12:00:10.001Z'));
    expect(takeEarlyAnswer('/api/v1/queues')).toBeUndefined();
  });

  it('are dropped after 10 s when nobody takes them, and a newer answer to the same path is not', () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    void askEarly('/api/v1/queues', answer);
    vi.advanceTimersByTime(5_000);
    const newer = askEarly('/api/v1/queues', answer);
    vi.advanceTimersByTime(5_001);
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z')); // still fresh by the clock: only the drop can lose it
    expect(takeEarlyAnswer('/api/v1/queues')).toBe(newer);
    void askEarly('/api/v1/queues', answer);
    vi.advanceTimersByTime(10_001);
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    expect(takeEarlyAnswer('/api/v1/queues')).toBeUndefined();
  });

  it('answer only the user’s own GET: not a background refresh, not another method', async () => {
    const api = new FakeApi().on('GET /api/v1/workflows/:id', () => workflow).on('PATCH /api/v1/workflows/:id', () => workflow);
    vi.stubGlobal('fetch', api.fetch);
    void askEarly(`/api/v1/workflows/${workflowId}`, api.fetch);
    await getJson(`/api/v1/workflows/${workflowId}`, { background: true });
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(2);
    await getJson(`/api/v1/workflows/${workflowId}`);
    expect(api.callsTo('GET /api/v1/workflows/:id')).toHaveLength(2);
  });
});
