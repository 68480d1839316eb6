import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser';
import { startStripeApi } from './support/providers/stripe-api';
import { api, axeViolations, sessionCookie, signedInContext, startDashboardServer } from './support/dashboard';
import type { VisapiProcess } from './support/processes';
import { TestSmtpServer } from './support/smtp-server';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * Issue 14's "Done when", in Debian Chromium: an operator refunds from the dashboard through the
 * confirmation step and sees the result; a double click sends one refund to Stripe.
 * The local Stripe-compatible server (support/providers/stripe-api.ts) records what it gets.
 */
type StripeApi = Awaited<ReturnType<typeof startStripeApi>>;
type StripeCharge = Parameters<typeof startStripeApi>[0]['charges'][number];

const FULL = 'ch_3E2eFullRefundUsd0001'; // $50.00, $10.00 already refunded
const PARTIAL = 'ch_3E2ePartialRefundJpy02'; // ¥12,000
const KEYBOARD = 'ch_3E2eKeyboardRefundEur3'; // €20.00
const REFUNDED = 'ch_3E2eAlreadyRefunded004'; // fully refunded
const CHARGES: StripeCharge[] = [
  { id: FULL, amount: 5_000, currency: 'usd', amount_refunded: 1_000, receipt_email: 'dana@example.com' },
  { id: PARTIAL, amount: 12_000, currency: 'jpy' },
  { id: KEYBOARD, amount: 2_000, currency: 'eur' },
  { id: REFUNDED, amount: 3_000, currency: 'usd', amount_refunded: 3_000 },
];

let infra: TestInfra;
let smtp: TestSmtpServer;
let stripe: StripeApi;
let server: VisapiProcess;
let browser: Browser;
let base: string;
let operator: string;

const refundsSent = (charge: string) => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.form.charge === charge);

beforeAll(async () => {
  infra = await createTestInfra();
  smtp = new TestSmtpServer();
  stripe = await startStripeApi({ charges: CHARGES });
  ({ server, base } = await startDashboardServer(infra, await smtp.start(), { STRIPE_API_URL: stripe.url, STRIPE_API_KEY: 'sk_test_e2e_refunds' }));
  const launched = launchBrowser();
  // One sign-in at a time: each takes the next mail the SMTP server catches.
  const admin = await sessionCookie(base, smtp, 'admin@visa.example');
  operator = await sessionCookie(base, smtp, 'olga@visa.example');
  browser = await launched;
  const users = await api<{ items: Array<{ id: string; email: string }> }>(base, admin, 'GET', '/api/v1/users?limit=100');
  const olga = users.body.items.find((u) => u.email === 'olga@visa.example')!;
  expect((await api(base, admin, 'PATCH', `/api/v1/users/${olga.id}`, { role: 'operator' })).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await stripe?.close();
  await smtp?.stop();
  await infra?.cleanup();
});

/** Step 1 of the page, filled and sent. */
async function askPreview(page: Page, charge: string, partial = false) {
  await page.getByRole('textbox', { name: 'Charge id' }).fill(charge);
  await page.getByRole('combobox', { name: 'Reason' }).selectOption('requested_by_customer');
  if (partial) await page.getByRole('radio', { name: 'Part of it' }).check();
  await page.getByRole('button', { name: 'Preview' }).click();
}

/** Presses Tab until `wanted` has the focus (at most 40 times): reachable by keyboard, or a failure. */
async function tabTo(page: Page, wanted: ReturnType<Page['getByRole']>) {
  const handle = await wanted.elementHandle();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement, handle)) return;
  }
  throw new Error(`not reachable with Tab: ${String(wanted)}`);
}

const focusedText = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent ?? '');

describe('Stripe refunds from the dashboard, end to end in Chromium', () => {
  it('an operator refunds what is left of a charge through the confirmation step and sees Stripe’s answer', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Refunds' }).click();
    await page.getByRole('heading', { name: 'Refunds', level: 2 }).waitFor();
    await askPreview(page, FULL);

    const facts = page.getByRole('table', { name: 'What will happen' });
    await facts.waitFor();
    expect(await focusedText(page)).toBe('Confirm the refund');
    const fact = (name: string) => facts.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) }).textContent();
    expect(await fact('Charge amount')).toContain('$50.00');
    expect(await fact('Already refunded')).toContain('$10.00');
    expect(await fact('This refund')).toContain('$40.00');
    expect(await fact('Customer')).toContain('d***@example.com');
    expect(refundsSent(FULL)).toEqual([]); // nothing before the confirmation
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Confirm refund' }).click();
    const result = page.getByRole('status').filter({ has: page.getByRole('heading', { name: 'Refund made' }) });
    await result.waitFor();
    const sent = refundsSent(FULL);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.form).toMatchObject({ charge: FULL, amount: '4000', reason: 'requested_by_customer' });
    expect(sent[0]!.headers['idempotency-key']).toBeTruthy();
    expect(sent[0]!.headers.authorization).toBe('Bearer sk_test_e2e_refunds');
    expect(await result.textContent()).toContain('$40.00');
    expect(await result.getByText(/^re_/).count()).toBe(1);
    await page.getByRole('table', { name: 'Refunds, newest first' }).getByRole('row').filter({ hasText: FULL }).getByText('$40.00').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a partial refund in yen, its amount typed in yen; a double click on Confirm sends one refund to Stripe', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/refunds`);
    await askPreview(page, PARTIAL, true);
    const amount = page.getByRole('textbox', { name: 'Amount (JPY)' });
    await amount.fill('12.5');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('JPY has no decimals: enter a whole number').waitFor();
    await amount.fill('500');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Confirm the refund' }).waitFor();

    await page.getByRole('button', { name: 'Confirm refund' }).dblclick();
    await page.getByRole('status').getByRole('heading', { name: 'Refund made' }).waitFor();
    // Stripe may see a retry of the same request under the same key, never a second refund.
    const sent = refundsSent(PARTIAL);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sent.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(sent[0]!.form).toMatchObject({ charge: PARTIAL, amount: '500' });
    const refunds = await api<{ items: Array<{ chargeId: string; amount: number; currency: string }> }>(base, operator, 'GET', '/api/v1/refunds');
    expect(refunds.body.items.filter((r) => r.chargeId === PARTIAL)).toEqual([expect.objectContaining({ amount: 500, currency: 'jpy' })]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('Stripe’s refusal shows its message, its code and the runbook link', { timeout: 90_000 }, async () => {
    const { context } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/refunds`);
    await askPreview(page, REFUNDED);
    // The API may refuse at the preview (nothing left) or Stripe at the refund: either way, the same alert.
    const confirm = page.getByRole('button', { name: 'Confirm refund' });
    const alert = page.getByRole('alert').filter({ hasText: /Stripe refused/ });
    await Promise.race([confirm.waitFor(), alert.waitFor()]);
    if (await confirm.isVisible()) await confirm.click();
    await alert.waitFor();
    expect(await alert.getByText('charge_already_refunded').count()).toBe(1);
    const runbook = alert.getByRole('link', { name: /runbook/ });
    const href = (await runbook.getAttribute('href'))!;
    expect(href).toBe(`${base}/docs/runbooks/stripe-refund-failure.md`);
    // The link opens: the gateway serves the runbook (no session needed), not the dashboard's index.html.
    const opened = await fetch(href, { headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await opened.text()).toMatch(/^# .*Stripe/i);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it('the whole flow works from the keyboard alone', { timeout: 90_000 }, async () => {
    const { context, errors } = await signedInContext(browser, base, operator);
    const page = await context.newPage();
    await page.goto(`${base}/refunds`);
    const chargeId = page.getByRole('textbox', { name: 'Charge id' });
    await tabTo(page, chargeId);
    await page.keyboard.type(KEYBOARD);
    const reason = page.getByRole('combobox', { name: 'Reason' });
    await tabTo(page, reason);
    await page.keyboard.type('Dup'); // a native select picks by typing
    expect(await reason.inputValue()).toBe('duplicate');
    await tabTo(page, page.getByRole('button', { name: 'Preview' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Confirm the refund' }).waitFor();
    expect(await focusedText(page)).toBe('Confirm the refund');
    await tabTo(page, page.getByRole('button', { name: 'Confirm refund' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByRole('heading', { name: 'Refund made' }).waitFor();
    expect(await focusedText(page)).toBe('Refund made');
    expect(refundsSent(KEYBOARD)).toHaveLength(1);
    expect(refundsSent(KEYBOARD)[0]!.form).toMatchObject({ charge: KEYBOARD, amount: '2000', reason: 'duplicate' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
