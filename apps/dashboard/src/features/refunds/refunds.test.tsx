import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Refund, RefundPreview, RefundRequest } from '@visapi/contracts';
import { describe, expect, it } from 'vitest';
import { FakeApi, problem, reply } from '../../test/fake-api';
import { renderApp } from '../../test/render-app';

// Lazy page chunks load slowly on a busy machine.
configure({ asyncUtilTimeout: 4_000 });

const chargeId = 'ch_3MmlLrLkdIwHu7ix0snN0B15';
const RUNBOOK = '/docs/runbooks/stripe-refund-failure.md';

function preview(request: Partial<RefundRequest> = {}, overrides: Partial<RefundPreview> = {}): RefundPreview {
  const charge = overrides.charge === undefined ? { amount: 5_000, amountRefunded: 1_000, currency: 'usd', customer: 'd***@example.com' } : overrides.charge;
  return {
    chargeId: request.chargeId ?? chargeId,
    charge,
    amount: request.amount ?? (charge ? charge.amount - charge.amountRefunded : 0),
    currency: charge?.currency ?? 'usd',
    reason: request.reason ?? 'requested_by_customer',
    note: request.note ?? null,
    sandbox: false,
    confirmationToken: `token-for-${request.amount ?? 'all'}`,
    expiresAt: '2026-11-30T10:10:00.000Z',
    ...overrides,
  };
}

function refund(overrides: Partial<Refund> = {}): Refund {
  return {
    id: '5c0f9c1e-2b1a-4d3e-8f4a-0b1c2d3e4f50',
    chargeId,
    amount: 4_000,
    currency: 'usd',
    reason: 'requested_by_customer',
    note: null,
    stripeRefundId: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
    status: 'succeeded',
    actorId: '6f1c1b2e-8c1d-4c55-9c4b-2b1f1f9f0a01',
    createdAt: '2026-11-30T10:00:00.000Z',
    ...overrides,
  };
}

/** The refunds API: previews from the request (a charge of $50.00, $10.00 refunded), refunds made once. */
function refundsApi({ list = [] as Refund[], charge = undefined as RefundPreview['charge'] | undefined, previewOverrides = {} as Partial<RefundPreview> } = {}) {
  return new FakeApi()
    .on('GET /api/v1/refunds', () => ({ items: list, nextCursor: null }))
    .on('POST /api/v1/refunds/preview', ({ body }) => preview(body as RefundRequest, { ...(charge !== undefined ? { charge } : {}), ...previewOverrides }))
    .on('POST /api/v1/refunds', ({ body }) => {
      const { amount } = body as { amount?: number };
      return reply(201, refund({ amount: amount ?? 4_000 }));
    });
}

const field = (label: string | RegExp) => screen.getByLabelText(label);
const type = (label: string | RegExp, value: string) => fireEvent.change(field(label), { target: { value } });

/** Step 1, filled and sent. */
async function fillForm({ charge = chargeId, reason = 'requested_by_customer', note = '', partial = false } = {}) {
  await screen.findByRole('heading', { name: 'Refunds', level: 2 });
  type(/^Charge id/, charge);
  fireEvent.change(screen.getByRole('combobox', { name: /^Reason/ }), { target: { value: reason } });
  if (note) type(/^Note/, note);
  if (partial) fireEvent.click(screen.getByRole('radio', { name: 'Part of it' }));
  fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
}

const confirmButton = async () => screen.findByRole('button', { name: 'Confirm refund' });

describe('refunds', { timeout: 15_000 }, () => {
  it('refunds everything not yet refunded: preview, confirmation with the charge, result, and the list refreshed', async () => {
    const api = refundsApi();
    renderApp('/refunds', { role: 'operator', api });
    expect(await screen.findByRole('link', { name: 'Refunds' })).toBeTruthy();
    await fillForm({ note: 'Ticket 4411' });

    const heading = await screen.findByRole('heading', { name: 'Confirm the refund' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(api.callsTo('POST /api/v1/refunds/preview').map((c) => c.body)).toEqual([{ chargeId, reason: 'requested_by_customer', note: 'Ticket 4411' }]);
    const facts = screen.getByRole('table', { name: 'What will happen' });
    const row = (name: string) => within(facts).getByRole('rowheader', { name }).closest('tr')!.textContent;
    expect(row('Charge amount')).toContain('$50.00');
    expect(row('Already refunded')).toContain('$10.00');
    expect(row('This refund')).toContain('$40.00');
    expect(row('Customer')).toContain('d***@example.com');
    expect(row('Reason')).toContain('Requested by the customer');
    expect(row('Note')).toContain('Ticket 4411');
    expect(screen.getByText(/everything not yet refunded\./)).toBeTruthy();
    expect(screen.queryByText('Sandbox')).toBeNull();
    expect(api.callsTo('POST /api/v1/refunds')).toEqual([]);

    const listsBefore = api.callsTo('GET /api/v1/refunds').length;
    fireEvent.click(await confirmButton());
    const status = await screen.findByRole('status');
    expect(within(status).getByRole('heading', { name: 'Refund made' })).toBeTruthy();
    expect(status.textContent).toContain('$40.00');
    expect(within(status).getByText('re_1Nispe2eZvKYlo2Cd31jOCgZ')).toBeTruthy();
    expect(within(status).getByLabelText('Refund status: succeeded')).toBeTruthy();
    expect(api.callsTo('POST /api/v1/refunds').map((c) => c.body)).toEqual([{ chargeId, reason: 'requested_by_customer', note: 'Ticket 4411', confirmationToken: 'token-for-all' }]);
    await waitFor(() => expect(api.callsTo('GET /api/v1/refunds').length).toBeGreaterThan(listsBefore));

    fireEvent.click(screen.getByRole('button', { name: 'Refund another charge' }));
    expect(((await screen.findByLabelText(/^Charge id/)) as HTMLInputElement).value).toBe('');
  });

  it('refunds part of a charge in its own currency: the amount typed in major units is sent in minor units', async () => {
    const api = refundsApi({ charge: { amount: 12_000, amountRefunded: 0, currency: 'jpy', customer: null } });
    renderApp('/refunds', { api });
    await fillForm({ partial: true, reason: 'duplicate' });

    const amount = await screen.findByLabelText(/^Amount \(JPY\)/);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'How much to refund?' })));
    expect(screen.getByText(/¥12,000, of which ¥0 already refunded/)).toBeTruthy();
    fireEvent.change(amount, { target: { value: '12.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText('JPY has no decimals: enter a whole number')).toBeTruthy();
    fireEvent.change(amount, { target: { value: 'lots' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText(/Enter a number/)).toBeTruthy();
    fireEvent.change(amount, { target: { value: '12001' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText(/At most ¥12,000/)).toBeTruthy();
    expect(api.callsTo('POST /api/v1/refunds/preview')).toHaveLength(1); // only the look-up

    fireEvent.change(amount, { target: { value: '500' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await screen.findByRole('heading', { name: 'Confirm the refund' });
    expect(api.callsTo('POST /api/v1/refunds/preview').map((c) => (c.body as RefundRequest).amount)).toEqual([undefined, 500]);
    expect(within(screen.getByRole('table', { name: 'What will happen' })).getByRole('rowheader', { name: 'This refund' }).closest('tr')!.textContent).toContain('¥500');
    expect(screen.getByRole('table', { name: 'What will happen' }).textContent).toContain('Duplicate charge');

    // Back keeps the amount typed; confirming sends the previewed amount with its token.
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(((await screen.findByLabelText(/^Amount \(JPY\)/)) as HTMLInputElement).value).toBe('500');
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    fireEvent.click(await confirmButton());
    await screen.findByRole('status');
    expect(api.callsTo('POST /api/v1/refunds').map((c) => c.body)).toEqual([{ chargeId, reason: 'duplicate', amount: 500, confirmationToken: 'token-for-500' }]);
  });

  it('reads three-decimal currencies exactly', async () => {
    const api = refundsApi({ charge: { amount: 10_000, amountRefunded: 0, currency: 'bhd', customer: null } });
    renderApp('/refunds', { api });
    await fillForm({ partial: true });
    fireEvent.change(await screen.findByLabelText(/^Amount \(BHD\)/), { target: { value: '1.2345' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText('BHD has at most 3 decimals')).toBeTruthy();
    type(/^Amount \(BHD\)/, '1.234');
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await screen.findByRole('heading', { name: 'Confirm the refund' });
    expect(api.callsTo('POST /api/v1/refunds/preview').at(-1)!.body).toMatchObject({ amount: 1234 });
  });

  it('checks the form before asking anything', async () => {
    const api = refundsApi();
    renderApp('/refunds', { api });
    await fillForm({ charge: 'pi_123 nope', reason: '' });
    expect(await screen.findByText(/A Stripe charge id: ch_/)).toBeTruthy();
    expect(screen.getByText('Choose one of Stripe’s reasons.')).toBeTruthy();
    expect(field(/^Charge id/).getAttribute('aria-invalid')).toBe('true');
    expect(api.callsTo('POST /api/v1/refunds/preview')).toEqual([]);
  });

  it('a double click on Confirm sends one refund', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const api = refundsApi().on('POST /api/v1/refunds', async () => {
      await held;
      return reply(201, refund());
    });
    renderApp('/refunds', { api });
    await fillForm();
    const button = await confirmButton();
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    fireEvent.click(button);
    release();
    await screen.findByRole('status');
    expect(api.callsTo('POST /api/v1/refunds')).toHaveLength(1);
  });

  it('says so when the confirmation had already been used (Idempotent-Replayed)', async () => {
    const api = refundsApi().on('POST /api/v1/refunds', () => reply(200, refund(), { 'Idempotent-Replayed': 'true' }));
    renderApp('/refunds', { api });
    await fillForm();
    fireEvent.click(await confirmButton());
    const status = await screen.findByRole('status');
    expect(within(status).getByRole('heading', { name: 'Already done' })).toBeTruthy();
    expect(status.textContent).toContain('no second refund was made');
  });

  it('shows Stripe’s refusal: its message, its code and the runbook', async () => {
    const api = refundsApi().on('POST /api/v1/refunds', () =>
      reply(422, { ...problem(422, 'Stripe refused the refund', 'Refund amount ($40.00) is greater than unrefunded amount on charge ($0.00)'), stripeCode: 'amount_too_large', runbook: RUNBOOK }),
    );
    renderApp('/refunds', { api });
    await fillForm();
    fireEvent.click(await confirmButton());
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Stripe refused the refund')).toBeTruthy();
    expect(within(alert).getByText('Refund amount ($40.00) is greater than unrefunded amount on charge ($0.00)')).toBeTruthy();
    expect(within(alert).getByText('amount_too_large').tagName).toBe('CODE');
    expect(within(alert).getByText('Nothing was refunded.')).toBeTruthy();
    const link = within(alert).getByRole('link', { name: /runbook/ });
    expect(link.getAttribute('href')).toBe(RUNBOOK);
    expect(link.getAttribute('target')).toBe('_blank');
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.getByRole('button', { name: 'Confirm refund' })).toBeTruthy();
  });

  it('shows a refused look-up on the form (an unknown charge)', async () => {
    const api = refundsApi().on('POST /api/v1/refunds/preview', () =>
      reply(422, { ...problem(422, 'Stripe refused', `No such charge: '${chargeId}'`), stripeCode: 'resource_missing', runbook: RUNBOOK }),
    );
    renderApp('/refunds', { api });
    await fillForm();
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Stripe refused the look-up')).toBeTruthy();
    expect(within(alert).getByText('resource_missing')).toBeTruthy();
    expect(within(alert).getByRole('link', { name: /runbook/ }).getAttribute('href')).toBe(RUNBOOK);
    expect(screen.getByLabelText(/^Charge id/)).toBeTruthy();
  });

  it('on 502 says Stripe could not be reached, and confirming again reuses the same confirmation', async () => {
    let attempts = 0;
    const api = refundsApi().on('POST /api/v1/refunds', () =>
      attempts++ === 0 ? reply(502, problem(502, 'Bad gateway', 'Stripe did not answer after 3 attempts')) : reply(201, refund()),
    );
    renderApp('/refunds', { api });
    await fillForm();
    fireEvent.click(await confirmButton());
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Stripe could not be reached')).toBeTruthy();
    expect(within(alert).getByText('Stripe did not answer after 3 attempts')).toBeTruthy();
    expect(alert.textContent).toContain('Confirming again is safe');
    await waitFor(() => expect((screen.getByRole('button', { name: 'Confirm refund' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm refund' }));
    await screen.findByRole('status');
    const tokens = api.callsTo('POST /api/v1/refunds').map((c) => (c.body as { confirmationToken: string }).confirmationToken);
    expect(tokens).toEqual(['token-for-all', 'token-for-all']);
  });

  it('marks a sandbox preview', async () => {
    const api = refundsApi({ charge: null, previewOverrides: { sandbox: true } }).on('POST /api/v1/refunds', () => reply(201, refund({ amount: 1_999, stripeRefundId: null, status: 'sandbox' })));
    renderApp('/refunds', { api });
    await fillForm({ partial: true });
    type(await screen.findByLabelText(/^Amount \(USD\)/).then(() => /^Amount \(USD\)/), '19.99');
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await screen.findByRole('heading', { name: 'Confirm the refund' });
    expect(screen.getByText('Sandbox')).toBeTruthy();
    expect(screen.getByText(/nothing is sent to Stripe/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm refund' }));
    const status = await screen.findByRole('status');
    expect(within(status).getByRole('heading', { name: 'Refund kept in the sandbox' })).toBeTruthy();
    expect(status.textContent).toContain('$19.99');
  });

  it('in a sandbox that refuses a look-up without an amount, asks the amount in minor units', async () => {
    const api = refundsApi({ charge: null, previewOverrides: { sandbox: true } });
    api.on('POST /api/v1/refunds/preview', ({ body }) => {
      const request = body as RefundRequest;
      return request.amount === undefined
        ? reply(400, problem(400, 'Validation failed', 'In sandbox the amount is required', { errors: [{ path: 'amount', message: 'required in sandbox' }] }))
        : preview(request, { charge: null, sandbox: true });
    });
    renderApp('/refunds', { api });
    await fillForm();
    const amount = await screen.findByLabelText(/^Amount \(minor units\)/);
    fireEvent.change(amount, { target: { value: '19.99' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText(/A whole number of minor units/)).toBeTruthy();
    fireEvent.change(amount, { target: { value: '1999' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await screen.findByRole('heading', { name: 'Confirm the refund' });
    expect(screen.getByRole('table', { name: 'What will happen' }).textContent).toContain('$19.99');
  });

  it('lists recent refunds with their amounts in their currencies, and loads more', async () => {
    const api = refundsApi().on('GET /api/v1/refunds', ({ query }) =>
      query.get('cursor')
        ? { items: [refund({ id: '7e0f9c1e-2b1a-4d3e-8f4a-0b1c2d3e4f52', amount: 1_234, currency: 'bhd', chargeId: 'ch_older' })], nextCursor: null }
        : {
            items: [refund({ amount: 1_999 }), refund({ id: '6d0f9c1e-2b1a-4d3e-8f4a-0b1c2d3e4f51', amount: 500, currency: 'jpy', status: 'sandbox', stripeRefundId: null, reason: 'fraudulent' })],
            nextCursor: 'next',
          },
    );
    renderApp('/refunds', { api });
    const table = await screen.findByRole('table', { name: 'Refunds, newest first' });
    await within(table).findByText('$19.99');
    expect(within(table).getByText('¥500')).toBeTruthy();
    expect(within(table).getByText('Fraudulent charge')).toBeTruthy();
    expect(within(table).getByText('sandbox')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await within(table).findByText(/BHD\s1\.234/);
    expect(api.callsTo('GET /api/v1/refunds').map((c) => c.query.get('cursor'))).toEqual([null, 'next']);
  });

  it('is neither listed for nor shown to a viewer', async () => {
    const api = refundsApi();
    renderApp('/refunds', { role: 'viewer', api });
    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Refunds' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Overview' })).toBeTruthy();
    expect(api.callsTo('GET /api/v1/refunds')).toEqual([]);
  });
});
