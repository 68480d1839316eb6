import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, memoryConnectors, MemoryTemplates, runStep, settingsWith, stepContext as context } from '../../../test/support/providers/in-memory';
import { StepError } from '../../engine/errors';
import { plain, readPdf } from '../../../test/support/pdf';

/** pdf.generate through the real Chromium, the real local storage driver, templates in memory. */
const templates = new MemoryTemplates();
const { registry, storage } = memoryConnectors(settingsWith({ pdf: { concurrency: 2 } }), { templates });
const pdf = registry.get('pdf.generate')!;
afterAll(() => registry.close());

/** A local HTTP server no page may reach. */
const requests: string[] = [];
const server = http.createServer((req, res) => {
  requests.push(req.url ?? '');
  res.end('x');
});
server.on('connection', (socket) => {
  requests.push(`connection from ${socket.remotePort}`);
  socket.destroy();
});
let origin: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Output {
  url: string;
  key: string;
  bytes: number;
  pages: number;
  expiresAt: string;
}

async function generate(config: Record<string, unknown>): Promise<{ output: Output; text: string; pages: number; filename: string }> {
  const output = (await pdf.execute(config, context('letter'))) as Output;
  const file = await storage.get(output.key);
  expect(file?.contentType).toBe('application/pdf');
  expect(file!.body.subarray(0, 5).toString()).toBe('%PDF-');
  expect(file!.body.length).toBe(output.bytes);
  const { text, pages } = readPdf(file!.body);
  return { output, text: plain(text), pages, filename: file!.filename };
}

const applicant = { firstName: 'Dana', lastName: 'Levi' };
const visa = { applicant, applicationId: 'APP-2041', country: 'Japan' };

describe('pdf.generate: the shipped letters', () => {
  it('renders visa_approved in English, stores it, and links it for 24 hours', async () => {
    const before = Date.now();
    const { output, text, pages, filename } = await generate({ template: 'visa_approved', data: { ...visa, visaType: 'Tourist', validUntil: '2027-03-01' } });
    expect(text).toContain('Visa approval letter');
    expect(text).toContain('Dear Dana Levi,');
    expect(text).toContain('your visa application to Japan has been approved');
    expect(text).toMatch(/Visa type Tourist/);
    expect(text).toMatch(/Valid until 2027-03-01/);
    expect([output.pages, pages]).toEqual([1, 1]);
    expect(output.key).toMatch(/^pdf\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.pdf$/);
    expect(output.url).toContain(output.key);
    const ttl = Date.parse(output.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(24 * 3600_000 - 1000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    expect(filename).toBe('visa_approved.pdf');
  });

  it('leaves out the optional visaType and validUntil when the data has none (strict otherwise)', async () => {
    const { text } = await generate({ template: 'visa_approved', data: visa, filename: 'approval APP-2041' });
    expect(text).toContain('Destination Japan');
    expect(text).not.toContain('Visa type');
    expect(text).not.toContain('Valid until');
    const missing = await failure(pdf.execute({ template: 'visa_approved', data: { applicant, country: 'Japan' } }, context()));
    expect([missing.errorClass, missing.message]).toEqual(['permanent', expect.stringContaining('applicationId')]);
  });

  it('renders the Hebrew letter right to left with Hebrew glyphs (he-IL falls back to he)', async () => {
    const { text, pages, output } = await generate({ template: 'visa_approved', locale: 'he-IL', data: { ...visa, applicant: { firstName: 'דנה', lastName: 'לוי' }, country: 'יפן' } });
    expect(text).toContain('מכתב אישור ויזה');
    expect(text).toContain('אושרה');
    expect(text).toContain('דנה לוי');
    expect(text).toContain('APP-2041');
    expect([output.pages, pages]).toEqual([1, 1]);
  });

  it('renders payment_receipt with the amount in major units, in the currency’s decimals', async () => {
    const receipt = (amount: unknown, currency: string, locale = 'en') =>
      generate({ template: 'payment_receipt', locale, data: { applicant, amount, currency, paymentId: 'PAY-77', paidAt: '2026-11-30 09:15' } }).then((r) => r.text);
    const en = await receipt(4500, 'EUR');
    expect(en).toContain('Payment receipt');
    expect(en).toContain('Amount 45.00 EUR');
    expect(en).toContain('Payment PAY-77');
    expect(await receipt(5, 'USD')).toContain('0.05 USD');
    expect(await receipt(123456789012345, 'ILS')).toContain('1234567890123.45 ILS');
    expect(await receipt(4500, 'JPY')).toContain('4500 JPY');
    expect(await receipt(12345, 'KWD')).toContain('12.345 KWD');
    const he = await receipt(19990, 'ILS', 'he');
    expect(he).toContain('קבלה על תשלום');
    expect(he).toContain('199.90 ILS');
  });

  it('counts pages as pdfinfo does for a long document', async () => {
    templates.put({ name: 'long_report', channel: 'pdf', locale: 'en', body: '{% for i in (1..n) %}<p style="page-break-after: always">Page {{ i }}</p>{% endfor %}' });
    for (const n of [3, 40]) {
      const { output, pages, text } = await generate({ template: 'long_report', data: { n } });
      expect([output.pages, pages]).toEqual([n, n]);
      expect(text).toContain(`Page ${n}`);
    }
  });
});

describe('pdf.generate: the direction rule the dashboard preview shares (pdfDocument)', () => {
  const SHOW_DIRECTION = '<style>html[dir="rtl"] .ltr, html:not([dir="rtl"]) .rtl { display: none }</style><p class="rtl">PRINTED-RTL</p><p class="ltr">PRINTED-LTR</p>';

  it('prints a Hebrew fragment right to left, and a whole document as written (its own dir, or none)', async () => {
    templates.put({ name: 'dir_fragment', channel: 'pdf', locale: 'he', body: SHOW_DIRECTION });
    templates.put({ name: 'dir_page', channel: 'pdf', locale: 'he', body: `<!doctype html><html lang="he"><head></head><body>${SHOW_DIRECTION}</body></html>` });
    // A comment before the doctype still makes a whole document: its dir="rtl" holds in an en template.
    templates.put({ name: 'dir_commented', channel: 'pdf', locale: 'en', body: `<!-- letterhead v2 --><!doctype html><html dir="rtl"><body>${SHOW_DIRECTION}</body></html>` });
    const texts = await Promise.all(['dir_fragment', 'dir_page', 'dir_commented'].map(async (template) => (await generate({ template, locale: template === 'dir_commented' ? 'en' : 'he' })).text));
    expect(texts.map((t) => /PRINTED-(RTL|LTR)/.exec(t)?.[1])).toEqual(['RTL', 'LTR', 'RTL']);
  });
});

describe('pdf.generate: data is text, the page runs no script and loads nothing', () => {
  it('shows markup in the data as text and requests nothing it names', async () => {
    const hostile = `<script>document.body.innerHTML = "JS RAN"</script><img src="${origin}/data-img"><b>bold</b>`;
    const { text } = await generate({ template: 'visa_approved', data: { ...visa, applicant: { firstName: hostile, lastName: 'Levi' } } });
    expect(text).toContain(`Dear <script>document.body.innerHTML = "JS RAN"</script><img src="${origin}/data-img"><b>bold</b> Levi,`);
    expect(requests).toEqual([]);
  });

  it('runs no script and loads no network asset even when the template itself has them', async () => {
    templates.put({
      name: 'hostile_template',
      channel: 'pdf',
      locale: 'en',
      body: `<link rel="stylesheet" href="${origin}/css"><style>@import url("${origin}/import"); body { background: url("${origin}/bg"); }</style>
<p id="t">Static text</p><img src="${origin}/img"><iframe src="${origin}/frame"></iframe>
<script>document.getElementById('t').textContent = 'JS RAN'; fetch('${origin}/fetch');</script>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">{{ note | raw }}`,
    });
    const { text } = await generate({ template: 'hostile_template', data: { note: `<img src="${origin}/raw">` } });
    expect(text).toContain('Static text');
    expect(text).not.toContain('JS RAN');
    expect(requests).toEqual([]);
  });
});

describe('pdf.generate: errors', () => {
  it('an unknown template, a template error, or a config that does not fit are permanent', async () => {
    const unknown = await failure(pdf.execute({ template: 'no_such_letter', data: {} }, context()));
    expect([unknown.errorClass, unknown.message]).toEqual(['permanent', expect.stringContaining('no pdf template "no_such_letter"')]);
    const badName = await runStep(registry, 'pdf.generate', { template: 'visa_approved', data: visa, filename: '../../etc/passwd' });
    expect(badName).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
    const noData = await runStep(registry, 'pdf.generate', { template: 'visa_approved', data: 'not an object' });
    expect(noData).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
  });

  it('no Chromium: a permanent error naming the Debian package and CHROMIUM_PATH', async () => {
    const missing = memoryConnectors(settingsWith({ pdf: { chromiumPath: '/nonexistent/chromium', concurrency: 1 } })).registry;
    const error = await failure(missing.get('pdf.generate')!.execute({ template: 'visa_approved', data: visa }, context()));
    expect(error.errorClass).toBe('permanent');
    expect(error.message).toContain('apt-get install chromium');
    expect(error.message).toContain('CHROMIUM_PATH=/nonexistent/chromium');
    await missing.close();
  });

  it('an aborted step rejects with the signal’s reason', async () => {
    const controller = new AbortController();
    const reason = new StepError('cancelled', 'the run was cancelled');
    controller.abort(reason);
    const error = await pdf.execute({ template: 'visa_approved', data: visa }, { ...context(), signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
  });
});
