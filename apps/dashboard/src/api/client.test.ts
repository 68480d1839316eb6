import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, postJson, requestWithResponse } from './client';
import { FakeApi, problem, reply } from '../test/fake-api';

afterEach(() => vi.unstubAllGlobals());

describe('requestWithResponse', () => {
  it('keeps the status and headers with the body (what postJson drops), and sends what request sends', async () => {
    const api = new FakeApi().on('POST /api/v1/refunds', ({ body }) => reply(200, { echoed: body }, { 'Idempotent-Replayed': 'true' }));
    vi.stubGlobal('fetch', api.fetch);
    const response = await requestWithResponse<{ echoed: unknown }>('POST', '/api/v1/refunds', { a: 1 });
    expect(response.status).toBe(200);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(response.body).toEqual({ echoed: { a: 1 } });
    await expect(postJson('/api/v1/refunds', { a: 2 })).resolves.toEqual({ echoed: { a: 2 } });
    const [call] = api.callsTo('POST /api/v1/refunds');
    expect(call!.headers.get('content-type')).toBe('application/json');
    expect(call!.headers.get('x-visapi-background')).toBeNull();
  });

  it('throws ApiError with the problem document (stripeCode, runbook) on a non-2xx answer', async () => {
    const refused = problem(422, 'Refused by the provider', 'amount too large', { stripeCode: 'amount_too_large', runbook: 'https://visapi.example/docs/runbooks/stripe-refund-failure.md' });
    vi.stubGlobal('fetch', new FakeApi().on('POST /api/v1/refunds', () => reply(422, refused)).fetch);
    const error = await requestWithResponse('POST', '/api/v1/refunds', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).problem).toMatchObject({ stripeCode: 'amount_too_large', runbook: expect.stringContaining('stripe-refund-failure.md') });
  });
});
