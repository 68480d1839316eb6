// `npm run screenshots`: PNG screenshots (1280×800) of the dashboard's main pages, light and
// dark, for docs/dashboard.md. Builds, starts a fresh instance with the embedded defaults under
// .visapi/screenshots, signs the bootstrap admin in through `visapi auth:link`, seeds a little
// data (succeeded and dead runs, an API key, templates), then saves
// docs/screenshots/<page>-<scheme>.png in Debian Chromium.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, ROOT, startInstance, stopInstance } from '../bench/lib.mjs';
import { build } from './build.mjs';
import { chromiumPath, json, signIn } from './ui-lib.mjs';

const OUT = path.join(ROOT, 'docs/screenshots');
const VIEWPORT = { width: 1280, height: 800 };

/** A partner's server: 200 on /notify, 404 on /gone (a permanent failure: the run dies). */
function startPartner() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url === '/gone' ? 404 : 200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function until(what, check) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function seed(base, cookie, partner) {
  const approved = await json(base, 'POST', '/api/v1/workflows', {
    cookie,
    body: {
      name: 'Visa approved',
      description: 'Tells the partner portal and the applicant that a visa was approved.',
      version: '1.2.0',
      inputSchema: {
        type: 'object',
        required: ['applicationId', 'email'],
        properties: { applicationId: { type: 'string', title: 'Application ID' }, email: { type: 'string', format: 'email', title: 'Applicant e-mail' }, express: { type: 'boolean', title: 'Express processing' } },
      },
      triggers: [{ type: 'manual' }, { type: 'webhook', key: 'visa-approved-partner' }],
      steps: [
        { id: 'wait-for-partner', type: 'delay', config: { ms: 50 } },
        { id: 'notify-partner', type: 'http.request', config: { url: `${partner}/notify`, method: 'POST' } },
      ],
    },
  });
  const callback = await json(base, 'POST', '/api/v1/workflows', {
    cookie,
    body: { name: 'Partner callback', version: '1.0.0', triggers: [{ type: 'manual' }], steps: [{ id: 'call-partner', type: 'http.request', config: { url: `${partner}/gone` } }] },
  });
  const runs = [];
  for (let i = 0; i < 8; i++) runs.push((await json(base, 'POST', `/api/v1/workflows/${approved.id}/trigger`, { cookie, body: { applicationId: `IL-2026-${1040 + i}`, email: `applicant${i}@example.com` } })).runId);
  const dead = [];
  for (let i = 0; i < 2; i++) dead.push((await json(base, 'POST', `/api/v1/workflows/${callback.id}/trigger`, { cookie, body: { applicationId: `IL-2026-${2000 + i}` } })).runId);
  await until('the seeded runs to finish', async () => {
    const states = await Promise.all([...runs, ...dead].map((id) => json(base, 'GET', `/api/v1/runs/${id}`, { cookie }).then((r) => r.status)));
    return states.every((s) => s === 'succeeded' || s === 'dead');
  });
  await json(base, 'POST', '/api/v1/api-keys', { cookie, body: { label: 'partner-portal', scopes: ['trigger', 'read_runs'] } });
  await json(base, 'POST', '/api/v1/api-keys', { cookie, body: { label: 'reporting', scopes: ['read_runs', 'read_logs'] } });
  await json(base, 'PUT', '/api/v1/templates', { cookie, body: { name: 'visa_approved', channel: 'email', locale: 'en', subject: 'Your visa {{applicationId}} is approved', body: 'Dear applicant,\n\nyour visa {{applicationId}} was approved.' } });
  await json(base, 'PUT', '/api/v1/templates', { cookie, body: { name: 'visa_approved', channel: 'email', locale: 'he', subject: 'הוויזה שלך אושרה', body: 'שלום,\n\nהוויזה {{applicationId}} אושרה.' } });
  return { workflowId: approved.id, runId: runs.at(-1) };
}

export async function main() {
  build();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = process.env.VISAPI_DATA_DIR ?? '.visapi/screenshots';
  fs.rmSync(path.join(ROOT, dataDir), { recursive: true, force: true });
  const partner = await startPartner();
  const env = {
    PORT: String(port),
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    VISAPI_DATA_DIR: dataDir,
    ADMIN_EMAILS: 'admin@visa.example',
    REDIS_PREFIX: `{screenshots-${Date.now().toString(36)}}`,
    WORKER_METRICS_PORT: String(await freePort()),
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    HTTP_STEP_ALLOWED_HOSTS: '127.0.0.1',
  };
  const instance = await startInstance(['--role', 'all'], env);
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const session = await signIn(base, env, 'admin@visa.example');
    const { workflowId, runId } = await seed(base, session, `http://127.0.0.1:${partner.address().port}`);
    const pages = [
      ['overview', '/'],
      ['runs', '/runs'],
      ['run', `/runs/${runId}`],
      ['trigger', `/trigger?workflowId=${workflowId}`],
      ['logs', '/logs'],
      ['dead-letters', '/dlq'],
      ['workflow', `/workflows/${workflowId}`],
      ['api-keys', '/api-keys'],
      ['templates', '/templates'],
      ['refunds', '/refunds'],
    ];
    fs.mkdirSync(OUT, { recursive: true });
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: scheme, reducedMotion: 'reduce' });
      await context.addCookies([{ name: 'visapi_session', value: session.split('=').slice(1).join('='), url: base }]);
      await context.addInitScript((value) => localStorage.setItem('mantine-color-scheme-value', value), scheme);
      const page = await context.newPage();
      for (const [name, url] of pages) {
        await page.goto(`${base}${url}`);
        // The page's heading is in the HTML's frame already: wait for the app that replaces it.
        await page.locator('.shell').waitFor({ state: 'detached' });
        await page.getByRole('heading', { level: 2 }).first().waitFor();
        // The page with its data: no loader left (the trigger form is loaded on demand).
        await page.waitForFunction(() => !globalThis.document.querySelector('[aria-label^="Loading"]'), undefined, { timeout: 15_000 });
        if (name === 'trigger') await page.getByRole('button', { name: 'Run workflow' }).waitFor();
        await page.evaluate(() => globalThis.document.fonts.ready);
        const file = path.join(OUT, `${name}-${scheme}.png`);
        await page.screenshot({ path: file });
        console.log(`${path.relative(ROOT, file)} (${Math.round(fs.statSync(file).size / 1024)} kB)`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await stopInstance(instance);
    partner.close();
  }
}

await main();
