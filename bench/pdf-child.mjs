// The child of `npm run bench -- pdf`: a worker process's pdf.generate (built server, dist/)
// rendering BATCH shipped letters with its render pool at PDF_CONCURRENCY, IN_FLIGHT steps at
// a time (as many as a worker's queue runs at once). Prints one JSON line with the timing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/server/dist');
const load = async (file) => (await import(pathToFileURL(path.join(dist, file)).href)).default;
const { createStepRegistry } = await load('connectors/registry.js');
const { TemplateRenderer } = await load('engine/templating.js');
const { SHIPPED_TEMPLATES } = await load('templates/shipped-templates.js');
const { LocalStorage } = await load('storage/local-storage.js');
const { FileLinkSigner } = await load('storage/signed-url.js');

const batch = Number(process.env.BATCH);
const concurrency = Number(process.env.PDF_CONCURRENCY);
const inFlight = Number(process.env.IN_FLIGHT);

const templates = {
  async resolve(name, channel, locale = 'en') {
    const match = (l) => SHIPPED_TEMPLATES.find((t) => t.name === name && t.channel === channel && t.locale === l);
    const found = match(locale) ?? match('en');
    return found && { ...found, subject: null, providerRef: null, version: 1 };
  },
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-bench-pdf-'));
const storage = new LocalStorage(dir, 'http://localhost:3000', new FileLinkSigner('bench'));
const settings = { httpAllowedHosts: [], defaultLocale: 'en', slack: { apiUrl: 'x' }, whatsapp: { provider: 'cgb', cgb: { apiUrl: 'x', phoneFieldId: 'phone' }, meta: { apiUrl: 'x' } }, email: { from: 'bench@localhost' }, pdf: { concurrency } };
const registry = createStepRegistry({ settings, templates, outbox: { record: async () => ({ id: 'x' }) }, renderer: new TemplateRenderer(), storage });
const step = registry.get('pdf.generate');

function config(i) {
  const applicant = i % 2 ? { firstName: 'דנה', lastName: 'לוי' } : { firstName: 'Dana', lastName: 'Levi' };
  const locale = i % 2 ? 'he' : 'en';
  if (i % 4 < 2) return { template: 'visa_approved', locale, data: { applicant, applicationId: `APP-${i}`, country: 'Japan', visaType: 'Tourist', validUntil: '2027-03-01' } };
  return { template: 'payment_receipt', locale, data: { applicant, amount: 4500 + i, currency: 'EUR', paymentId: `PAY-${i}`, paidAt: '2026-11-30 09:15' } };
}

async function main() {
  // One render first: Chromium's launch is not part of the throughput.
  await step.execute(config(0), context(-1));
  process.stdout.write(`${JSON.stringify({ warm: true })}\n`);
  let next = 0;
  let pages = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batch) {
        const i = next++;
        const output = await step.execute(config(i), context(i));
        pages += output.pages;
        bytes += output.bytes;
        await storage.delete(output.key);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await registry.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ batch, seconds, pages, bytes })}\n`);
}

function context(i) {
  return { signal: new AbortController().signal, runId: '00000000-0000-4000-8000-000000000001', stepId: `letter-${i}`, attempt: 1 };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
